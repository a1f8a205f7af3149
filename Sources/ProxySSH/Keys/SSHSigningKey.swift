/// A key that can sign for us in user authentication: a loaded private key
/// or one held by an ssh-agent.
public protocol SSHSigningKey: AnyObject {
    /// The public key blob (RFC 4253 section 6.6) as servers see it.
    var publicKeyBlob: [UInt8] { get }
    /// "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...
    var keyType: String { get }
    /// A signature blob (string algorithm, string signature) over `data`.
    func sign(_ data: [UInt8], algorithm: HostKeyAlgorithm) throws -> [UInt8]
}

extension SSHSigningKey {
    /// The algorithms this key can sign with, best first.
    public var signatureAlgorithms: [HostKeyAlgorithm] {
        HostKeyAlgorithm.defaultOrder.filter { $0.keyType == keyType }
    }

    /// "SHA256:<base64>" as `ssh-keygen -l` prints it.
    public var fingerprint: String { "SHA256:" + Base64.encodeUnpadded(HashFunction.sha256.hash(publicKeyBlob)) }
}
