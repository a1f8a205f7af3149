import COpenSSLCrypto

/// The ciphers this transport speaks, by their SSH names. AEAD ciphers
/// bring their own integrity, so no MAC is negotiated for them.
public enum CipherAlgorithm: String, CaseIterable, Sendable {
    case chacha20Poly1305 = "chacha20-poly1305@openssh.com"
    case aes128GCM = "aes128-gcm@openssh.com"
    case aes256GCM = "aes256-gcm@openssh.com"
    case aes128CTR = "aes128-ctr"
    case aes192CTR = "aes192-ctr"
    case aes256CTR = "aes256-ctr"

    /// Offered in this order when nothing is configured (OpenSSH 9's order).
    public static let defaultOrder: [CipherAlgorithm] = [
        .chacha20Poly1305, .aes128CTR, .aes192CTR, .aes256CTR, .aes128GCM, .aes256GCM,
    ]

    public var name: String { rawValue }

    public var isAEAD: Bool {
        switch self {
        case .chacha20Poly1305, .aes128GCM, .aes256GCM: return true
        default: return false
        }
    }

    var keyLength: Int {
        switch self {
        case .chacha20Poly1305: return 64
        case .aes128GCM, .aes128CTR: return 16
        case .aes192CTR: return 24
        case .aes256GCM, .aes256CTR: return 32
        }
    }

    var ivLength: Int {
        switch self {
        case .chacha20Poly1305: return 0
        case .aes128GCM, .aes256GCM: return 12
        default: return 16
        }
    }

    /// The protection for one direction, from the derived keys.
    func protection(key: [UInt8], iv: [UInt8], mac: MACAlgorithm?, macKey: [UInt8], encrypt: Bool) throws -> PacketProtection {
        switch self {
        case .chacha20Poly1305:
            return try ChaChaPolyProtection(key: key)
        case .aes128GCM, .aes256GCM:
            return try AESGCMProtection(name: name, key: key, iv: iv, encrypt: encrypt)
        case .aes128CTR, .aes192CTR, .aes256CTR:
            guard let mac else { preconditionFailure("a CTR cipher needs a MAC") }
            let evp: OpaquePointer = self == .aes128CTR ? EVP_aes_128_ctr() : self == .aes192CTR ? EVP_aes_192_ctr() : EVP_aes_256_ctr()
            let ctx = try EVPCipherContext(cipher: evp, key: key, iv: iv, encrypt: encrypt)
            let auth = try MessageAuthenticator(hash: mac.hash, key: macKey)
            return CTRWithMACProtection(cipher: ctx, mac: auth, encryptThenMAC: mac.encryptThenMAC)
        }
    }
}

/// The MACs this transport speaks (used with the CTR ciphers).
public enum MACAlgorithm: String, CaseIterable, Sendable {
    case hmacSHA256ETM = "hmac-sha2-256-etm@openssh.com"
    case hmacSHA512ETM = "hmac-sha2-512-etm@openssh.com"
    case hmacSHA256 = "hmac-sha2-256"
    case hmacSHA512 = "hmac-sha2-512"

    public static let defaultOrder: [MACAlgorithm] = [.hmacSHA256ETM, .hmacSHA512ETM, .hmacSHA256, .hmacSHA512]

    public var name: String { rawValue }

    var hash: HashFunction {
        switch self {
        case .hmacSHA256, .hmacSHA256ETM: return .sha256
        case .hmacSHA512, .hmacSHA512ETM: return .sha512
        }
    }

    var keyLength: Int { hash.length }

    var encryptThenMAC: Bool { self == .hmacSHA256ETM || self == .hmacSHA512ETM }
}
