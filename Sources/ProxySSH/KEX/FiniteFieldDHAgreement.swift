import COpenSSLCrypto

/// diffie-hellman-group14/16/18 (RFC 8268): g = 2 over the RFC 3526 MODP
/// primes, e and f as mpints. Done with BIGNUM arithmetic rather than EVP's
/// DH, because group exchange (next) brings arbitrary groups and one path
/// should serve both. The server's f must lie in [2, p-2] (RFC 4253 section 8).
final class FiniteFieldDHAgreement: KeyAgreement {
    enum Group {
        /// RFC 2409's Oakley group 2 (diffie-hellman-group1-sha1).
        case modp1024
        case modp2048, modp4096, modp8192

        func prime() -> OpaquePointer? {
            switch self {
            case .modp1024: return BN_get_rfc2409_prime_1024(nil)
            case .modp2048: return BN_get_rfc3526_prime_2048(nil)
            case .modp4096: return BN_get_rfc3526_prime_4096(nil)
            case .modp8192: return BN_get_rfc3526_prime_8192(nil)
            }
        }

        /// Private exponent bits: twice the security level, as OpenSSH does.
        var exponentBits: Int32 {
            switch self {
            case .modp1024: return 256
            case .modp2048: return 512
            case .modp4096, .modp8192: return 1024
            }
        }
    }

    let publicValueIsMPInt = true
    let clientPublic: [UInt8]
    private let p: OpaquePointer
    private let x: OpaquePointer

    convenience init(group: Group) throws {
        guard let p = group.prime(), let g = BN_new(), BN_set_word(g, 2) == 1 else { throw CryptoError("DH setup") }
        try self.init(p: p, g: g, exponentBits: group.exponentBits)
    }

    /// A group the server chose (group exchange); the caller checked its size.
    convenience init(prime: [UInt8], generator: [UInt8], exponentBits: Int32) throws {
        guard let p = BN_bin2bn(prime, Int32(prime.count), nil), let g = BN_bin2bn(generator, Int32(generator.count), nil) else {
            throw CryptoError("DH group")
        }
        try self.init(p: p, g: g, exponentBits: exponentBits)
    }

    /// Takes ownership of `p` and `g`.
    private init(p: OpaquePointer, g: OpaquePointer, exponentBits: Int32) throws {
        self.p = p
        defer { BN_free(g) }
        guard let x = BN_new(), let e = BN_new(), let bnctx = BN_CTX_new() else { throw CryptoError("DH setup") }
        self.x = x
        defer { BN_free(e); BN_CTX_free(bnctx) }
        guard BN_priv_rand(x, exponentBits, 0, 0) == 1, BN_mod_exp(e, g, x, p, bnctx) == 1 else {
            throw CryptoError("DH key generation")
        }
        clientPublic = Self.bytes(e)
    }

    deinit {
        BN_free(p)
        BN_clear_free(x)
    }

    static func bytes(_ bn: OpaquePointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int((BN_num_bits(bn) + 7) / 8))
        _ = BN_bn2bin(bn, &out)
        return out
    }

    func sharedSecret(serverPublic: [UInt8]) throws -> [UInt8] {
        guard let f = BN_bin2bn(serverPublic, Int32(serverPublic.count), nil), let k = BN_new(),
              let pMinus1 = BN_dup(p), let bnctx = BN_CTX_new() else { throw CryptoError("DH") }
        defer { BN_free(f); BN_clear_free(k); BN_free(pMinus1); BN_CTX_free(bnctx) }
        _ = BN_sub_word(pMinus1, 1)
        // f must be in [2, p-2]: 0, 1 and p-1 give a guessable secret.
        guard BN_cmp(f, BN_value_one()) > 0, BN_cmp(f, pMinus1) < 0 else {
            throw KeyExchangeError("DH: the server's public value f is out of range")
        }
        guard BN_mod_exp(k, f, x, p, bnctx) == 1 else { throw CryptoError("DH shared secret") }
        return Self.bytes(k)
    }
}
