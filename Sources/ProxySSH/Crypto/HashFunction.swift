import COpenSSLCrypto

/// The hashes the transport names: the KEX hash, ECDSA/RSA signature
/// digests, fingerprints.
public enum HashFunction: Sendable {
    case sha1, sha256, sha384, sha512

    var md: OpaquePointer {
        switch self {
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }

    /// The digest's name as OpenSSL's providers know it (for EVP_MAC).
    var openSSLName: String {
        switch self {
        case .sha1: return "SHA1"
        case .sha256: return "SHA256"
        case .sha384: return "SHA384"
        case .sha512: return "SHA512"
        }
    }

    public var length: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    public func hash(_ parts: [UInt8]...) -> [UInt8] {
        let ctx = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var n: UInt32 = 0
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else { fatalError("\(CryptoError("EVP_DigestInit_ex"))") }
        for p in parts { _ = EVP_DigestUpdate(ctx, p, p.count) }
        guard EVP_DigestFinal_ex(ctx, &out, &n) == 1 else { fatalError("\(CryptoError("EVP_DigestFinal_ex"))") }
        return Array(out[0..<Int(n)])
    }
}
