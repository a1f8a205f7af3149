import COpenSSLCrypto

/// chacha20-poly1305@openssh.com (OpenSSH's PROTOCOL.chacha20poly1305):
/// a 64-byte key split in two. The second half encrypts the 4-byte length;
/// the first half encrypts the rest from block counter 1, and its block 0
/// gives the one-time Poly1305 key. The nonce is the sequence number.
/// OpenSSL's chacha20 IV is a 32-bit counter and a 96-bit nonce in little-
/// endian words; the original 64/64 layout maps to it as counter (8 bytes,
/// little-endian) || sequence (8 bytes, big-endian).
final class ChaChaPolyProtection: PacketProtection {
    let blockSize = 8
    let tagLength = 16
    let lengthOutsideBlocks = true
    let headerLength = 4

    private let main: EVPCipherContext
    private let header: EVPCipherContext

    init(key: [UInt8]) throws {
        precondition(key.count == 64)
        let zeroIV = [UInt8](repeating: 0, count: 16)
        main = try EVPCipherContext(cipher: EVP_chacha20(), key: Array(key[0..<32]), iv: zeroIV, encrypt: true)
        header = try EVPCipherContext(cipher: EVP_chacha20(), key: Array(key[32..<64]), iv: zeroIV, encrypt: true)
    }

    private static func iv(counter: UInt8, sequence: UInt32) -> [UInt8] {
        var iv = [UInt8](repeating: 0, count: 16)
        iv[0] = counter
        iv[12...15] = bigEndianBytes(sequence)[0...3]
        return iv
    }

    private func polyKey(sequence: UInt32) throws -> [UInt8] {
        try main.reset(iv: Self.iv(counter: 0, sequence: sequence))
        var key = [UInt8](repeating: 0, count: 32)
        try key.transform(0..<32, with: main)
        return key
    }

    private func poly1305(key: [UInt8], _ data: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let ctx = sshc_mac_new("POLY1305", nil, key, key.count) else { throw CryptoError("Poly1305 key setup") }
        defer { EVP_MAC_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: 16)
        var n = 0
        guard EVP_MAC_update(ctx, data.baseAddress!.assumingMemoryBound(to: UInt8.self), data.count) == 1,
              EVP_MAC_final(ctx, &out, &n, 16) == 1 else { throw CryptoError("Poly1305") }
        return out
    }

    func seal(_ packet: inout [UInt8], sequence: UInt32) throws {
        let key = try polyKey(sequence: sequence)
        try header.reset(iv: Self.iv(counter: 0, sequence: sequence))
        try packet.transform(0..<4, with: header)
        try main.reset(iv: Self.iv(counter: 1, sequence: sequence))
        try packet.transform(4..<packet.count, with: main)
        let tag = try packet.withUnsafeBytes { try poly1305(key: key, $0) }
        packet.append(contentsOf: tag)
    }

    func packetLength(header bytes: [UInt8], sequence: UInt32) throws -> UInt32 {
        var length = Array(bytes.prefix(4))
        try header.reset(iv: Self.iv(counter: 0, sequence: sequence))
        try length.transform(0..<4, with: header)
        return readUInt32(length, at: 0)
    }

    func open(_ wire: [UInt8], sequence: UInt32) throws -> [UInt8] {
        let end = wire.count - 16
        let key = try polyKey(sequence: sequence)
        let expected = try wire.withUnsafeBytes { try poly1305(key: key, UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        guard tagsEqual(expected, wire[end...]) else {
            throw PacketIntegrityError.badTag(cipher: "chacha20-poly1305@openssh.com")
        }
        var clear = Array(wire[0..<end])
        try header.reset(iv: Self.iv(counter: 0, sequence: sequence))
        try clear.transform(0..<4, with: header)
        try main.reset(iv: Self.iv(counter: 1, sequence: sequence))
        try clear.transform(4..<end, with: main)
        return clear
    }
}
