/// Which signature algorithms a hostbased request may use for a key, best
/// first, given the server's server-sig-algs (RFC 8308) when it sent one.
/// RSA keys sign with rsa-sha2-512 or -256 (RFC 8332), SHA-1 "ssh-rsa" (which
/// OpenSSH 8.8+ refuses by default) only for a server that lists nothing else. server-sig-algs does not reflect
/// sshd's HostbasedAcceptedAlgorithms, so a refused RSA request is retried
/// with the other SHA-2 hash.
public enum HostbasedSignatureChoice {
    public static func algorithms(forKeyType keyType: String, serverSignatureAlgorithms: [String]?) throws -> [HostKeyAlgorithm] {
        let candidates = HostKeyAlgorithm.defaultOrder.filter { $0.keyType == keyType }
        guard !candidates.isEmpty else { throw PrivateKeyError("no signature algorithm for \(keyType) keys") }
        guard let offered = serverSignatureAlgorithms else { return candidates }
        let listed = candidates.filter { offered.contains($0.name) }
        if !listed.isEmpty { return listed }
        if keyType == "ssh-rsa" && offered.contains("ssh-rsa") {
            // The server knows no SHA-2 RSA signature: SHA-1 as the last resort,
            // once the transport knows the algorithm (the older-algorithms work).
            guard let sha1 = HostKeyAlgorithm(rawValue: "ssh-rsa") else {
                throw PrivateKeyError("the server accepts RSA signatures only as SHA-1 ssh-rsa, which is not supported")
            }
            return [sha1]
        }
        // A server that lists none of ours may still accept them for
        // hostbased (server-sig-algs describes publickey): try them.
        return candidates
    }
}
