import COpenSSLCrypto

/// OpenSSL keys from the numbers an openssh-key-v1 file holds, each
/// checked against the public half stored next to it.
enum KeyComponents {
    static func ed25519(publicKey: [UInt8], secret: [UInt8], comment: String) throws -> PrivateKey {
        // OpenSSH stores the 32-byte seed followed by the public key.
        guard publicKey.count == 32, secret.count == 64 else {
            throw PrivateKeyError("Ed25519 key has a \(publicKey.count)-byte public and \(secret.count)-byte secret part, not 32 and 64")
        }
        guard let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, Array(secret[0..<32]), 32) else {
            throw CryptoError("Ed25519 private key")
        }
        let key = try PrivateKey(pkey: pkey, comment: comment)
        guard Array(key.publicKeyBlob.suffix(32)) == publicKey, Array(secret[32...]) == publicKey else {
            throw PrivateKeyError("Ed25519 private key does not match its public key")
        }
        return key
    }

    static func ecdsa(curve: String, point: [UInt8], scalar: [UInt8], comment: String) throws -> PrivateKey {
        let groups = ["nistp256": "P-256", "nistp384": "P-384", "nistp521": "P-521"]
        guard let group = groups[curve] else { throw PrivateKeyError("ECDSA curve \(curve) is not supported") }
        let pkey = try fromData("EC", [.text("group", group), .octets("pub", point), .number("priv", scalar)])
        let key = try PrivateKey(pkey: pkey, comment: comment)
        try checkPair(key, "ECDSA")
        return key
    }

    /// RSA from n, e, d, iqmp, p, q (OpenSSH's order); the CRT exponents are derived.
    static func rsa(n: [UInt8], e: [UInt8], d: [UInt8], iqmp: [UInt8], p: [UInt8], q: [UInt8], comment: String) throws -> PrivateKey {
        guard let ctx = BN_CTX_new() else { throw CryptoError("BN_CTX_new") }
        defer { BN_CTX_free(ctx) }
        let bd = BN_bin2bn(d, Int32(d.count), nil), bp = BN_bin2bn(p, Int32(p.count), nil), bq = BN_bin2bn(q, Int32(q.count), nil)
        let one = BN_new(), p1 = BN_new(), q1 = BN_new(), dmp1 = BN_new(), dmq1 = BN_new()
        defer { [bd, bp, bq, one, p1, q1, dmp1, dmq1].forEach { BN_clear_free($0) } }
        guard BN_set_word(one, 1) == 1, BN_sub(p1, bp, one) == 1, BN_sub(q1, bq, one) == 1,
              BN_is_zero(p1) == 0, BN_is_zero(q1) == 0,
              BN_div(nil, dmp1, bd, p1, ctx) == 1, BN_div(nil, dmq1, bd, q1, ctx) == 1 else {
            throw PrivateKeyError("RSA key's primes are unusable")
        }
        let pkey = try fromData("RSA", [.number("n", n), .number("e", e), .number("d", d),
                                        .number("rsa-factor1", p), .number("rsa-factor2", q),
                                        .number("rsa-exponent1", PrivateKey.bigNumBytes(dmp1)),
                                        .number("rsa-exponent2", PrivateKey.bigNumBytes(dmq1)),
                                        .number("rsa-coefficient1", iqmp)])
        let key = try PrivateKey(pkey: pkey, comment: comment)
        try checkPair(key, "RSA")
        return key
    }

    /// A key whose private half does not match its public half would make
    /// signatures every server refuses: better to say so at load time.
    private static func checkPair(_ key: PrivateKey, _ what: String) throws {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, key.pkey, nil) else { throw CryptoError("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(ctx) }
        let ok = EVP_PKEY_pairwise_check(ctx)
        ERR_clear_error()
        guard ok == 1 else { throw PrivateKeyError("\(what) private key does not match its public key") }
    }

    /// EVP_PKEY_KEYPAIR (a macro Swift cannot import): parameters, public and private parts.
    private static let keyPairSelection = OSSL_KEYMGMT_SELECT_ALL_PARAMETERS | OSSL_KEYMGMT_SELECT_PUBLIC_KEY | OSSL_KEYMGMT_SELECT_PRIVATE_KEY

    /// One parameter of a key. OSSL_PARAM_BLD keeps pointers to what is
    /// pushed (names included) until OSSL_PARAM_BLD_to_param, so names are
    /// static strings and values are copied into C memory that lives that long.
    enum Param {
        case number(StaticString, [UInt8])
        case text(StaticString, String)
        case octets(StaticString, [UInt8])
    }

    private static func cName(_ s: StaticString) -> UnsafePointer<CChar> {
        UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
    }

    private static func fromData(_ type: String, _ params: [Param]) throws -> OpaquePointer {
        guard let bld = OSSL_PARAM_BLD_new() else { throw CryptoError("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(bld) }
        var numbers: [OpaquePointer?] = []
        var buffers: [UnsafeMutableRawPointer?] = []
        defer {
            numbers.forEach { BN_clear_free($0) }
            buffers.forEach { free($0) }
        }
        var pushed = true
        for param in params {
            switch param {
            case .number(let name, let bytes):
                let bn = BN_bin2bn(bytes, Int32(bytes.count), nil)
                numbers.append(bn)
                pushed = pushed && bn != nil && OSSL_PARAM_BLD_push_BN(bld, cName(name), bn) == 1
            case .text(let name, let value):
                let copy = strdup(value)
                buffers.append(UnsafeMutableRawPointer(copy))
                pushed = pushed && OSSL_PARAM_BLD_push_utf8_string(bld, cName(name), copy, 0) == 1
            case .octets(let name, let bytes):
                let copy = malloc(max(bytes.count, 1))
                buffers.append(copy)
                bytes.withUnsafeBytes { if let b = $0.baseAddress { copy?.copyMemory(from: b, byteCount: bytes.count) } }
                pushed = pushed && OSSL_PARAM_BLD_push_octet_string(bld, cName(name), copy, bytes.count) == 1
            }
        }
        guard pushed, let built = OSSL_PARAM_BLD_to_param(bld) else { throw CryptoError("\(type) key parameters") }
        defer { OSSL_PARAM_free(built) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw CryptoError("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_fromdata_init(ctx) == 1, EVP_PKEY_fromdata(ctx, &pkey, keyPairSelection, built) == 1, let pkey else {
            throw PrivateKeyError("the \(type) key's numbers do not form a key (\(CryptoError("EVP_PKEY_fromdata").reason))")
        }
        return pkey
    }
}
