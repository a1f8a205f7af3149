/// Server host key signature algorithms (RFC 8709, RFC 5656, RFC 8332).
public enum HostKeyAlgorithm: String, CaseIterable, Sendable {
    case ed25519 = "ssh-ed25519"
    case ecdsaP256 = "ecdsa-sha2-nistp256"
    case ecdsaP384 = "ecdsa-sha2-nistp384"
    case ecdsaP521 = "ecdsa-sha2-nistp521"
    case rsaSHA512 = "rsa-sha2-512"
    case rsaSHA256 = "rsa-sha2-256"
    /// RSA with SHA-1 (RFC 4253): for old servers; never offered by default.
    case rsaSHA1 = "ssh-rsa"
    /// DSA with SHA-1 (RFC 4253): for old servers; never offered by default.
    case dss = "ssh-dss"

    public static let defaultOrder: [HostKeyAlgorithm] = [
        .ed25519, .ecdsaP256, .ecdsaP384, .ecdsaP521, .rsaSHA512, .rsaSHA256,
    ]

    public var name: String { rawValue }

    /// The key type named inside the key blob (RSA keys are "ssh-rsa" for both hashes).
    var keyType: String {
        switch self {
        case .rsaSHA256, .rsaSHA512, .rsaSHA1: return "ssh-rsa"
        default: return rawValue
        }
    }
}
