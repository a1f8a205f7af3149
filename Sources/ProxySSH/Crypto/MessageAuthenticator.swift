import COpenSSLCrypto

/// A keyed MAC over one packet (with its sequence number).
protocol PacketAuthenticator: AnyObject {
    /// Tag bytes on the wire.
    var length: Int { get }
    func mac(sequence: UInt32, _ data: UnsafeRawBufferPointer) throws -> [UInt8]
}

/// HMAC over `uint32 sequence || data`, keyed once per key exchange
/// (RFC 4253 section 6.4). The keyed context is duplicated per packet, so
/// the key schedule is not redone.
final class MessageAuthenticator: PacketAuthenticator {
    private let keyed: OpaquePointer
    let length: Int

    /// `digest` as OpenSSL's providers name it ("SHA256", "MD5"); `length`
    /// the tag bytes kept (the -96 MACs truncate).
    init(digest: String, key: [UInt8], length: Int) throws {
        guard let ctx = sshc_mac_new("HMAC", digest, key, key.count) else {
            throw CryptoError("HMAC-\(digest) key setup")
        }
        keyed = ctx
        self.length = length
    }

    deinit { EVP_MAC_CTX_free(keyed) }

    func mac(sequence: UInt32, _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let ctx = EVP_MAC_CTX_dup(keyed) else { throw CryptoError("EVP_MAC_CTX_dup") }
        defer { EVP_MAC_CTX_free(ctx) }
        let seq = bigEndianBytes(sequence)
        var out = [UInt8](repeating: 0, count: 64)
        var n = 0
        guard EVP_MAC_update(ctx, seq, 4) == 1,
              EVP_MAC_update(ctx, data.baseAddress!.assumingMemoryBound(to: UInt8.self), data.count) == 1,
              EVP_MAC_final(ctx, &out, &n, out.count) == 1 else { throw CryptoError("HMAC") }
        return Array(out[0..<length])
    }
}

/// Compares tags in constant time.
func tagsEqual(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { pa in
        Array(b).withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
    }
}
