/// The MACs this transport speaks (used with the non-AEAD ciphers).
public enum MACAlgorithm: String, CaseIterable, Sendable {
    case hmacSHA256ETM = "hmac-sha2-256-etm@openssh.com"
    case hmacSHA512ETM = "hmac-sha2-512-etm@openssh.com"
    case hmacSHA256 = "hmac-sha2-256"
    case hmacSHA512 = "hmac-sha2-512"
    // Older MACs: offered only when configured (ProxySFTPDigests).
    case hmacSHA1 = "hmac-sha1"
    case hmacSHA1ETM = "hmac-sha1-etm@openssh.com"
    case hmacSHA1_96 = "hmac-sha1-96"
    case hmacSHA1_96ETM = "hmac-sha1-96-etm@openssh.com"
    case hmacMD5 = "hmac-md5"
    case hmacMD5ETM = "hmac-md5-etm@openssh.com"
    case hmacMD5_96 = "hmac-md5-96"
    case hmacMD5_96ETM = "hmac-md5-96-etm@openssh.com"
    case hmacRIPEMD160 = "hmac-ripemd160"
    /// UMAC (RFC 4418) with AES-128, nonce = sequence number.
    case umac64 = "umac-64@openssh.com"
    case umac64ETM = "umac-64-etm@openssh.com"
    case umac128 = "umac-128@openssh.com"
    case umac128ETM = "umac-128-etm@openssh.com"
    /// No integrity at all; never offered unless configured.
    case none = "none"

    public static let defaultOrder: [MACAlgorithm] = [.hmacSHA256ETM, .hmacSHA512ETM, .hmacSHA256, .hmacSHA512]

    public var name: String { rawValue }

    /// The HMAC digest as OpenSSL's providers name it (nil: "none").
    var digest: String? {
        switch self {
        case .hmacSHA256, .hmacSHA256ETM: return "SHA256"
        case .hmacSHA512, .hmacSHA512ETM: return "SHA512"
        case .hmacSHA1, .hmacSHA1ETM, .hmacSHA1_96, .hmacSHA1_96ETM: return "SHA1"
        case .hmacMD5, .hmacMD5ETM, .hmacMD5_96, .hmacMD5_96ETM: return "MD5"
        case .hmacRIPEMD160: return "RIPEMD160"
        case .none, .umac64, .umac64ETM, .umac128, .umac128ETM: return nil
        }
    }

    /// The key is the digest's length (RFC 4253 section 7.2 derives that much).
    var keyLength: Int {
        switch self {
        case .hmacSHA256, .hmacSHA256ETM: return 32
        case .hmacSHA512, .hmacSHA512ETM: return 64
        case .hmacSHA1, .hmacSHA1ETM, .hmacSHA1_96, .hmacSHA1_96ETM, .hmacRIPEMD160: return 20
        case .hmacMD5, .hmacMD5ETM, .hmacMD5_96, .hmacMD5_96ETM: return 16
        case .umac64, .umac64ETM, .umac128, .umac128ETM: return 16
        case .none: return 0
        }
    }

    /// Tag bytes on the wire: the -96 MACs keep the first 12.
    var tagLength: Int {
        switch self {
        case .hmacSHA1_96, .hmacSHA1_96ETM, .hmacMD5_96, .hmacMD5_96ETM: return 12
        case .umac64, .umac64ETM: return 8
        default: return keyLength
        }
    }

    var encryptThenMAC: Bool { rawValue.hasSuffix("-etm@openssh.com") }

    /// The keyed MAC, or nil for "none".
    func authenticator(key: [UInt8]) throws -> PacketAuthenticator? {
        switch self {
        case .umac64, .umac64ETM, .umac128, .umac128ETM: return try UMAC(key: key, tagLength: tagLength)
        default: break
        }
        guard let digest else { return nil }
        return try MessageAuthenticator(digest: digest, key: key, length: tagLength)
    }

    /// True when this build's OpenSSL has the digest (RIPEMD160 may be absent).
    public var isAvailable: Bool {
        self == .none || (try? authenticator(key: [UInt8](repeating: 1, count: keyLength))) != nil
    }
}
