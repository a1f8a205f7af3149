import COpenSSLCrypto

/// What transforms a packet's bytes in place, in order: an EVP context, or
/// a counter mode OpenSSL lacks (`CounterModeCipher`).
protocol PacketCipher: AnyObject {
    /// Transforms `input` into `output` (same length). `output` may be `input`.
    func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws
}

/// One EVP cipher context (a key schedule and, for CTR and chacha20, the
/// running stream position). Classes because the context is a C resource.
final class EVPCipherContext: PacketCipher {
    let ctx: OpaquePointer

    /// `keyLength` for ciphers whose key size varies (arcfour256 is RC4
    /// with 32 bytes). Padding is off: SSH pads its packets itself.
    init(cipher: OpaquePointer, key: [UInt8], iv: [UInt8]?, encrypt: Bool, keyLength: Int? = nil) throws {
        guard let c = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new") }
        ctx = c
        let mode: Int32 = encrypt ? 1 : 0
        guard EVP_CipherInit_ex(ctx, cipher, nil, nil, nil, mode) == 1,
              keyLength.map({ EVP_CIPHER_CTX_set_key_length(ctx, Int32($0)) == 1 }) ?? true,
              EVP_CIPHER_CTX_set_padding(ctx, 0) == 1,
              EVP_CipherInit_ex(ctx, nil, nil, key, iv, mode) == 1 else {
            EVP_CIPHER_CTX_free(ctx)
            throw CryptoError("EVP_CipherInit_ex")
        }
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    /// A new IV on the same key (chacha20's per-packet nonce and counter, GCM's IV).
    func reset(iv: [UInt8]) throws {
        guard EVP_CipherInit_ex(ctx, nil, nil, nil, iv, -1) == 1 else { throw CryptoError("EVP_CipherInit_ex (IV)") }
    }

    /// Transforms `input` into `output` (same length; stream and CTR modes,
    /// GCM without padding). `output` may be `input`.
    func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        if input.isEmpty { return }
        var outLen: Int32 = 0
        let ok = EVP_CipherUpdate(ctx, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &outLen,
                                  input.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(input.count))
        guard ok == 1, Int(outLen) == input.count else { throw CryptoError("EVP_CipherUpdate") }
    }

    /// Feeds additional authenticated data (GCM).
    func addAAD(_ aad: UnsafeRawBufferPointer) throws {
        var outLen: Int32 = 0
        guard EVP_CipherUpdate(ctx, nil, &outLen, aad.baseAddress!.assumingMemoryBound(to: UInt8.self),
                               Int32(aad.count)) == 1 else { throw CryptoError("EVP_CipherUpdate (AAD)") }
    }

    func finish() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 32)
        var outLen: Int32 = 0
        return EVP_CipherFinal_ex(ctx, &scratch, &outLen) == 1
    }

    func control(_ type: Int32, _ arg: Int32, _ ptr: UnsafeMutableRawPointer?) -> Bool {
        EVP_CIPHER_CTX_ctrl(ctx, type, arg, ptr) == 1
    }
}

extension Array where Element == UInt8 {
    /// Runs `context` over `range` of self, in place.
    mutating func transform(_ range: Range<Int>, with context: PacketCipher) throws {
        if range.isEmpty { return }
        try withUnsafeMutableBytes { buf in
            let slice = UnsafeMutableRawBufferPointer(rebasing: buf[range])
            try context.update(UnsafeRawBufferPointer(slice), into: slice)
        }
    }
}
