/// Which signature algorithm a hostbased request uses for a key, given the
/// server's server-sig-algs (RFC 8308) when it sent one. RSA keys sign with
/// rsa-sha2-512 or -256 (RFC 8332), never SHA-1 "ssh-rsa", which OpenSSH 8.8+
/// refuses by default.
public enum HostbasedSignatureChoice {
    public static func algorithm(forKeyType keyType: String, serverSignatureAlgorithms: [String]?) throws -> HostKeyAlgorithm {
        let candidates = HostKeyAlgorithm.defaultOrder.filter { $0.keyType == keyType }
        guard !candidates.isEmpty else { throw PrivateKeyError("no signature algorithm for \(keyType) keys") }
        guard let offered = serverSignatureAlgorithms else { return candidates[0] }
        if let match = candidates.first(where: { offered.contains($0.name) }) { return match }
        if keyType == "ssh-rsa" && offered.contains("ssh-rsa") {
            throw PrivateKeyError("the server accepts RSA signatures only as SHA-1 ssh-rsa, which is not used")
        }
        // A server that lists none of ours may still accept it for hostbased
        // (server-sig-algs describes publickey): try the best one.
        return candidates[0]
    }
}
