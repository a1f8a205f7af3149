import COpenSSLCrypto

/// UMAC (RFC 4418) with AES-128, as OpenSSH's umac-64@openssh.com and
/// umac-128@openssh.com use it: a 16-byte key, the packet sequence number
/// as a 64-bit big-endian nonce, 2 or 4 hash streams of 32 bits each.
/// The polynomial layer stays in the 64-bit prime: SSH packets are far
/// below the 16 MB where RFC 4418 ramps to the 128-bit one.
final class UMAC: PacketAuthenticator {
    let length: Int
    private let streams: Int
    /// L1 (NH) key words, read big-endian: 1024 bytes plus 16 per extra stream.
    private let nhKey: [UInt32]
    /// L2 (POLY) keys, masked to the RFC's domain.
    private let polyKeys: [UInt64]
    /// L3 inner-product keys (4 per stream, mod p36) and translations.
    private let ipKeys: [UInt64]
    private let ipTranslations: [UInt32]
    /// AES under the pad-derivation key.
    private let padCipher: EVPCipherContext

    static let p64: UInt64 = 0xFFFF_FFFF_FFFF_FFC5   // 2^64 - 59
    static let p36: UInt64 = 0x0000_000F_FFFF_FFFB   // 2^36 - 5
    private static let chunk = 1024

    /// `tagLength` 8 (umac-64) or 16 (umac-128).
    init(key: [UInt8], tagLength: Int) throws {
        precondition(tagLength == 8 || tagLength == 16)
        length = tagLength
        streams = tagLength / 4
        let kdf = try EVPCipherContext(cipher: EVP_aes_128_ecb(), key: key, iv: nil, encrypt: true)
        /// KDF(K, index, n): AES_K(uint64(index) || uint64(counter)), counter from 1.
        func derive(_ index: UInt8, _ count: Int) throws -> [UInt8] {
            var out: [UInt8] = []
            var counter: UInt8 = 1
            while out.count < count {
                var block = [UInt8](repeating: 0, count: 16)
                block[7] = index
                block[15] = counter
                try block.transform(0..<16, with: kdf)
                out += block
                counter &+= 1
            }
            return Array(out.prefix(count))
        }
        func be32(_ b: [UInt8], _ at: Int) -> UInt32 { readUInt32(b, at: at) }
        func be64(_ b: [UInt8], _ at: Int) -> UInt64 { UInt64(be32(b, at)) << 32 | UInt64(be32(b, at + 4)) }

        padCipher = try EVPCipherContext(cipher: EVP_aes_128_ecb(), key: try derive(0, 16), iv: nil, encrypt: true)
        let l1 = try derive(1, Self.chunk + 16 * (streams - 1))
        nhKey = stride(from: 0, to: l1.count, by: 4).map { be32(l1, $0) }
        let l2 = try derive(2, 24 * streams)
        polyKeys = (0..<streams).map { be64(l2, 24 * $0) & 0x01FF_FFFF_01FF_FFFF }
        let l3 = try derive(3, 64 * streams)
        ipKeys = (0..<streams).flatMap { s in (0..<4).map { be64(l3, 64 * s + 32 + 8 * $0) % Self.p36 } }
        let l3b = try derive(4, 4 * streams)
        ipTranslations = (0..<streams).map { be32(l3b, 4 * $0) }
    }

    /// The tag of `data` under the packet's sequence number.
    func mac(sequence: UInt32, _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        try tag(nonce: UInt64(sequence), data)
    }

    func tag(nonce: UInt64, _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        var tag = [UInt8]()
        tag.reserveCapacity(length)
        let hashed = uhash(data)
        for s in 0..<streams { tag += bigEndianBytes(hashed[s]) }
        let pad = try self.pad(nonce: nonce)
        for i in 0..<length { tag[i] ^= pad[i] }
        return tag
    }

    /// PDF: AES over the nonce (its low bit cleared for 8-byte tags, which
    /// take the half of the block that bit names).
    private func pad(nonce: UInt64) throws -> [UInt8] {
        let half = length == 8 ? Int(nonce & 1) : 0
        var block = bigEndianBytes64(length == 8 ? nonce & ~1 : nonce) + [UInt8](repeating: 0, count: 8)
        try block.transform(0..<16, with: padCipher)
        return Array(block[(half * 8)..<(half * 8 + length)])
    }

    /// UHASH: NH per 1024-byte chunk; messages longer than one chunk go
    /// through POLY; then the inner product mod p36.
    private func uhash(_ data: UnsafeRawBufferPointer) -> [UInt32] {
        if data.count <= Self.chunk {
            let nh = self.nh(UnsafeRawBufferPointer(rebasing: data[...]))
            return (0..<streams).map { innerProduct(nh[$0], stream: $0) }
        }
        var accumulators = [UInt64](repeating: 1, count: streams)
        var start = 0
        while start < data.count {
            let end = min(start + Self.chunk, data.count)
            let nh = self.nh(UnsafeRawBufferPointer(rebasing: data[start..<end]))
            for s in 0..<streams { accumulators[s] = poly(accumulators[s], key: polyKeys[s], word: nh[s]) }
            start = end
        }
        return (0..<streams).map { innerProduct(accumulators[$0], stream: $0) }
    }

    /// NH over one chunk, zero-padded to 32 bytes (at least 32), message
    /// words little-endian, then the chunk's bit length added.
    private func nh(_ chunk: UnsafeRawBufferPointer) -> [UInt64] {
        let padded = max(32, (chunk.count + 31) / 32 * 32)
        var words = [UInt32](repeating: 0, count: padded / 4)
        for (i, byte) in chunk.enumerated() { words[i / 4] |= UInt32(byte) << (8 * (i % 4)) }
        var result = [UInt64](repeating: UInt64(chunk.count * 8), count: streams)
        for s in 0..<streams {
            let k = 4 * s
            var h: UInt64 = 0
            for block in stride(from: 0, to: words.count, by: 8) {
                for j in 0..<4 {
                    let a = UInt64(words[block + j] &+ nhKey[k + block + j])
                    let b = UInt64(words[block + j + 4] &+ nhKey[k + block + j + 4])
                    h = h &+ a &* b
                }
            }
            result[s] = result[s] &+ h
        }
        return result
    }

    /// POLY step in Z_p64: words at or above 2^64 - 2^32 are sent as the
    /// marker p64 - 1 followed by word - 59 (RFC 4418 section 5.3).
    private func poly(_ accumulator: UInt64, key: UInt64, word: UInt64) -> UInt64 {
        if word >> 32 == 0xFFFF_FFFF {
            return Self.polyStep(Self.polyStep(accumulator, key, Self.p64 - 1), key, word - 59)
        }
        return Self.polyStep(accumulator, key, word)
    }

    /// (y * key + m) mod p64, with y < p64 and m < p64.
    static func polyStep(_ y: UInt64, _ key: UInt64, _ m: UInt64) -> UInt64 {
        let product = y.multipliedFullWidth(by: key)
        var r = p64.dividingFullWidth((high: product.high, low: product.low)).remainder
        let (sum, overflow) = r.addingReportingOverflow(m)
        r = overflow ? sum &+ 59 : sum   // 2^64 = 59 (mod p64)
        return r >= p64 ? r - p64 : r
    }

    /// L3: the 64-bit value (NH's output as it is for one chunk, POLY's
    /// reduced one otherwise) as four 16-bit pieces, dotted with the
    /// stream's keys mod p36, low 32 bits, xored with its translation.
    private func innerProduct(_ v: UInt64, stream s: Int) -> UInt32 {
        var t: UInt64 = 0
        for j in 0..<4 {
            t += ipKeys[4 * s + j] * ((v >> (48 - 16 * UInt64(j))) & 0xFFFF)
        }
        return UInt32(truncatingIfNeeded: t % Self.p36) ^ ipTranslations[s]
    }
}

func bigEndianBytes64(_ v: UInt64) -> [UInt8] {
    bigEndianBytes(UInt32(truncatingIfNeeded: v >> 32)) + bigEndianBytes(UInt32(truncatingIfNeeded: v))
}
