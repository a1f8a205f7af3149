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
    // Older ciphers (RFC 4253, RFC 4345): offered only when configured.
    case aes256CBC = "aes256-cbc"
    case aes192CBC = "aes192-cbc"
    case aes128CBC = "aes128-cbc"
    case tripleDESCBC = "3des-cbc"
    /// RFC 4344's CTR mode over 3DES and Blowfish (kept here: OpenSSL has none).
    case tripleDESCTR = "3des-ctr"
    case blowfishCTR = "blowfish-ctr"
    /// The next three and arcfour need OpenSSL's legacy provider.
    case blowfishCBC = "blowfish-cbc"
    case cast128CBC = "cast128-cbc"
    case arcfour256 = "arcfour256"
    case arcfour128 = "arcfour128"
    /// No encryption (RFC 4253 section 6.3); never offered unless configured.
    case none = "none"

    /// Offered in this order when nothing is configured: OpenSSH 9's set,
    /// AES-GCM first. It is the cheapest here for the proxy and for the
    /// backend (one AEAD pass with AES-NI; aes128-ctr needs HMAC-SHA2 beside
    /// it, and our chacha20-poly1305 two passes): a relayed upload to a
    /// mod_sftp backend took a quarter less CPU on both sides.
    public static let defaultOrder: [CipherAlgorithm] = [
        .aes128GCM, .aes256GCM, .chacha20Poly1305, .aes128CTR, .aes192CTR, .aes256CTR,
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
        case .aes128GCM, .aes128CTR, .aes128CBC, .blowfishCBC, .cast128CBC, .arcfour128: return 16
        case .aes192CTR, .aes192CBC, .tripleDESCBC, .tripleDESCTR: return 24
        case .blowfishCTR: return 32
        case .aes256GCM, .aes256CTR, .aes256CBC, .arcfour256: return 32
        case .none: return 0
        }
    }

    var ivLength: Int {
        switch self {
        case .chacha20Poly1305, .arcfour128, .arcfour256, .none: return 0
        case .aes128GCM, .aes256GCM: return 12
        case .tripleDESCBC, .blowfishCBC, .cast128CBC, .tripleDESCTR, .blowfishCTR: return 8
        default: return 16
        }
    }

    /// The padding unit of the binary packet protocol: the cipher's block,
    /// and 8 for stream ciphers and "none".
    var blockSize: Int {
        switch self {
        case .aes128CTR, .aes192CTR, .aes256CTR, .aes128CBC, .aes192CBC, .aes256CBC: return 16
        case .aes128GCM, .aes256GCM: return 16
        default: return 8
        }
    }

    /// RFC 4345: the first 1536 bytes of the arcfour keystream are dropped.
    private var discardedKeystream: Int { self == .arcfour128 || self == .arcfour256 ? 1536 : 0 }

    /// Ciphers whose key length is not the EVP cipher's default.
    private var setsKeyLength: Bool { discardedKeystream > 0 || self == .blowfishCTR }

    /// CTR built here over the cipher's ECB.
    private var isCounterOverECB: Bool { self == .tripleDESCTR || self == .blowfishCTR }

    /// The OpenSSL cipher of a non-AEAD algorithm, or nil when this OpenSSL
    /// cannot give it (the legacy provider is missing).
    func evpCipher() -> OpaquePointer? {
        switch self {
        case .aes128CTR: return EVP_aes_128_ctr()
        case .aes192CTR: return EVP_aes_192_ctr()
        case .aes256CTR: return EVP_aes_256_ctr()
        case .aes128CBC: return EVP_aes_128_cbc()
        case .aes192CBC: return EVP_aes_192_cbc()
        case .aes256CBC: return EVP_aes_256_cbc()
        case .tripleDESCBC: return EVP_des_ede3_cbc()
        case .tripleDESCTR: return EVP_des_ede3_ecb()
        case .blowfishCTR: return LegacyCipherProvider.cipher("BF-ECB")
        case .blowfishCBC: return LegacyCipherProvider.cipher("BF-CBC")
        case .cast128CBC: return LegacyCipherProvider.cipher("CAST5-CBC")
        case .arcfour128, .arcfour256: return LegacyCipherProvider.cipher("RC4")
        case .none: return EVP_enc_null()
        case .chacha20Poly1305, .aes128GCM, .aes256GCM: return nil
        }
    }

    /// True when this build's OpenSSL can run the cipher.
    public var isAvailable: Bool { isAEAD || evpCipher() != nil }

    /// The protection for one direction, from the derived keys.
    func protection(key: [UInt8], iv: [UInt8], mac: MACAlgorithm?, macKey: [UInt8], encrypt: Bool) throws -> PacketProtection {
        switch self {
        case .chacha20Poly1305:
            return try ChaChaPolyProtection(key: key)
        case .aes128GCM, .aes256GCM:
            return try AESGCMProtection(name: name, key: key, iv: iv, encrypt: encrypt)
        default:
            guard let mac else { preconditionFailure("a non-AEAD cipher needs a MAC (or the none MAC)") }
            guard let evp = evpCipher() else {
                throw CryptoError("\(name) (OpenSSL's legacy provider could not be loaded)")
            }
            let ctx: PacketCipher = isCounterOverECB
                ? try CounterModeCipher(ecb: evp, key: key, iv: iv, keyLength: setsKeyLength ? keyLength : nil)
                : try EVPCipherContext(cipher: evp, key: key, iv: iv.isEmpty ? nil : iv, encrypt: encrypt,
                                       keyLength: setsKeyLength ? keyLength : nil)
            if discardedKeystream > 0 {
                var skip = [UInt8](repeating: 0, count: discardedKeystream)
                try skip.transform(0..<skip.count, with: ctx)
            }
            let auth = try mac.authenticator(key: macKey)
            return CipherWithMACProtection(cipher: ctx, blockSize: blockSize, mac: auth, encryptThenMAC: mac.encryptThenMAC)
        }
    }
}
