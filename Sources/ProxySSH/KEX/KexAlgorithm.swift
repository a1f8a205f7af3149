/// The key-exchange methods this transport speaks, and the pseudo-names
/// that only signal extensions (they are never chosen).
public enum KexAlgorithm: String, CaseIterable, Sendable {
    case curve25519SHA256 = "curve25519-sha256"
    case curve25519SHA256LibSSH = "curve25519-sha256@libssh.org"
    case ecdhNISTP256 = "ecdh-sha2-nistp256"
    case ecdhNISTP384 = "ecdh-sha2-nistp384"
    case ecdhNISTP521 = "ecdh-sha2-nistp521"
    case dhGroup16SHA512 = "diffie-hellman-group16-sha512"
    case dhGroup18SHA512 = "diffie-hellman-group18-sha512"
    case dhGroup14SHA256 = "diffie-hellman-group14-sha256"
    case dhGroupExchangeSHA256 = "diffie-hellman-group-exchange-sha256"
    case curve448SHA512 = "curve448-sha512"
    // SHA-1 methods: offered only when configured (ProxySFTPKeyExchanges).
    case dhGroupExchangeSHA1 = "diffie-hellman-group-exchange-sha1"
    case dhGroup14SHA1 = "diffie-hellman-group14-sha1"
    /// A 1024-bit group: also needs `ProxySFTPOptions AllowWeakDH` upstream.
    case dhGroup1SHA1 = "diffie-hellman-group1-sha1"
    /// RFC 4432's RSA key exchange (the client picks K).
    case rsa1024SHA1 = "rsa1024-sha1"

    public static let defaultOrder: [KexAlgorithm] = [
        .curve25519SHA256, .curve25519SHA256LibSSH, .ecdhNISTP256, .ecdhNISTP384, .ecdhNISTP521,
        .dhGroupExchangeSHA256, .dhGroup16SHA512, .dhGroup18SHA512, .dhGroup14SHA256,
    ]

    /// RFC 8308: the client says it takes SSH_MSG_EXT_INFO.
    public static let extInfoClient = "ext-info-c"
    /// OpenSSH's strict KEX (the Terrapin fix): client and server markers.
    public static let strictClient = "kex-strict-c-v00@openssh.com"
    public static let strictServer = "kex-strict-s-v00@openssh.com"

    public var name: String { rawValue }

    var hash: HashFunction {
        switch self {
        case .curve25519SHA256, .curve25519SHA256LibSSH, .ecdhNISTP256, .dhGroup14SHA256, .dhGroupExchangeSHA256:
            return .sha256
        case .ecdhNISTP384: return .sha384
        case .ecdhNISTP521, .dhGroup16SHA512, .dhGroup18SHA512, .curve448SHA512: return .sha512
        case .dhGroupExchangeSHA1, .dhGroup14SHA1, .dhGroup1SHA1, .rsa1024SHA1: return .sha1
        }
    }

    /// RFC 4419: the server names the group before the client's key exists.
    var isGroupExchange: Bool { self == .dhGroupExchangeSHA256 || self == .dhGroupExchangeSHA1 }

    /// RFC 4432: the server speaks first, with a transient RSA key.
    var isRSAKeyExchange: Bool { self == .rsa1024SHA1 }

    /// A fresh key pair of this method (group exchange: see `GroupExchange`;
    /// RSA: see `RSAKeyExchange`).
    func makeAgreement() throws -> KeyAgreement {
        switch self {
        case .dhGroupExchangeSHA256, .dhGroupExchangeSHA1: throw KeyExchangeError("group exchange needs the server's group first")
        case .rsa1024SHA1: throw KeyExchangeError("RSA key exchange needs the server's transient key first")
        case .curve25519SHA256, .curve25519SHA256LibSSH: return try MontgomeryCurveAgreement()
        case .curve448SHA512: return try MontgomeryCurveAgreement(curve: .x448)
        case .ecdhNISTP256: return try ECDHAgreement(curve: .p256)
        case .ecdhNISTP384: return try ECDHAgreement(curve: .p384)
        case .ecdhNISTP521: return try ECDHAgreement(curve: .p521)
        case .dhGroup14SHA256, .dhGroup14SHA1: return try FiniteFieldDHAgreement(group: .modp2048)
        case .dhGroup1SHA1: return try FiniteFieldDHAgreement(group: .modp1024)
        case .dhGroup16SHA512: return try FiniteFieldDHAgreement(group: .modp4096)
        case .dhGroup18SHA512: return try FiniteFieldDHAgreement(group: .modp8192)
        }
    }
}
