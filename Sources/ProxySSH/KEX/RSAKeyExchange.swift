import COpenSSLCrypto

/// rsa1024-sha1 (RFC 4432): the server sends its host key and a transient
/// RSA key K_T; the client picks the secret K itself and sends it
/// RSAES-OAEP-encrypted (SHA-1) under K_T; the server answers with its
/// signature over H = HASH(V_C || V_S || I_C || I_S || K_S || K_T ||
/// encrypted secret || K), the layout of an ECDH hash with K_T and the
/// encrypted secret as the two "public values".
struct RSAKeyExchange {
    static let pubkey: UInt8 = 30
    static let secret: UInt8 = 31
    static let done: UInt8 = 32

    /// What the client holds between KEXRSA_SECRET and KEXRSA_DONE.
    struct Pending {
        let hostKeyBlob: [UInt8]
        let transientKeyBlob: [UInt8]
        let encryptedSecret: [UInt8]
        let sharedSecret: [UInt8]
        /// KEXRSA_SECRET, to send.
        let secretPayload: [UInt8]
    }

    /// From KEXRSA_PUBKEY: a random K below 2^(KLEN - 2*HLEN - 49), its
    /// mpint encrypted under K_T.
    static func respond(toPubkey payload: [UInt8]) throws -> Pending {
        var r = SSHReader(payload)
        _ = try r.byte()
        let hostKeyBlob = try r.string("server host key", limit: 16 * 1024)
        let transient = try r.string("transient RSA key", limit: 4096)
        try r.expectEnd("KEXRSA_PUBKEY")
        var t = SSHReader(transient)
        guard try t.text("transient key type", limit: 64) == "ssh-rsa" else {
            throw KeyExchangeError("rsa1024-sha1: the transient key is not an ssh-rsa key")
        }
        let e = try t.positiveMPInt("transient RSA exponent", maxBits: 64)
        let n = try t.positiveMPInt("transient RSA modulus", maxBits: 16384)
        try t.expectEnd("transient RSA key")
        let modulusBits = n.first.map { n.count * 8 - $0.leadingZeroBitCount } ?? 0
        guard modulusBits >= 1024 else {
            throw KeyExchangeError("rsa1024-sha1: the transient RSA key has \(modulusBits) bits, under 1024")
        }
        guard let key = sshc_rsa_public_key(n, n.count, e, e.count) else {
            ERR_clear_error()
            throw KeyExchangeError("rsa1024-sha1: the transient RSA key is unusable")
        }
        defer { EVP_PKEY_free(key) }
        // K has at most KLEN - 2*HLEN - 49 bits (HLEN = 160 for SHA-1).
        let secretBits = modulusBits - 2 * 160 - 49
        var k = SecureRandom.bytes((secretBits + 7) / 8)
        let excess = k.count * 8 - secretBits
        if excess > 0 { k[0] &= 0xFF >> excess }
        while k.first == 0 { k.removeFirst() }
        if k.isEmpty { k = [1] }
        var mp = SSHWriter()
        mp.positiveMPInt(k)
        let encrypted = try oaepEncrypt(mp.bytes, with: key)
        var w = SSHWriter()
        w.byte(secret)
        w.string(encrypted)
        return Pending(hostKeyBlob: hostKeyBlob, transientKeyBlob: transient, encryptedSecret: encrypted,
                       sharedSecret: k, secretPayload: w.bytes)
    }

    private static func oaepEncrypt(_ data: [UInt8], with key: OpaquePointer) throws -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new(key, nil) else { throw CryptoError("rsa1024-sha1: EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var length = 0
        guard EVP_PKEY_encrypt_init(ctx) == 1,
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1,
              EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha1()) == 1,
              EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha1()) == 1,
              EVP_PKEY_encrypt(ctx, nil, &length, data, data.count) == 1 else {
            throw CryptoError("rsa1024-sha1: RSA-OAEP setup")
        }
        var out = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_encrypt(ctx, &out, &length, data, data.count) == 1 else {
            throw CryptoError("rsa1024-sha1: RSA-OAEP encryption")
        }
        return Array(out[0..<length])
    }
}
