/// A non-AEAD cipher (CTR, CBC, a stream cipher, or "none") with an HMAC
/// (or the "none" MAC): encrypt-and-MAC (RFC 4253: MAC over the clear
/// packet, length encrypted) or encrypt-then-MAC (the -etm@openssh.com
/// MACs: length in clear, MAC over the ciphertext, checked before decrypting).
/// The cipher context runs sequentially over the packet, so CBC's chaining
/// and a stream's position carry from the first block to the rest.
final class CipherWithMACProtection: PacketProtection {
    let blockSize: Int
    var tagLength: Int { mac?.length ?? 0 }
    let lengthOutsideBlocks: Bool
    var headerLength: Int { lengthOutsideBlocks ? 4 : blockSize }

    private let cipher: PacketCipher
    /// nil: the "none" MAC.
    private let mac: PacketAuthenticator?
    /// Non-ETM: the first block, decrypted to read the length (the CTR
    /// stream has moved past it, so it is kept rather than decrypted again).
    private var firstBlock: [UInt8] = []

    init(cipher: PacketCipher, blockSize: Int, mac: PacketAuthenticator?, encryptThenMAC: Bool) {
        self.cipher = cipher
        self.blockSize = blockSize
        self.mac = mac
        self.lengthOutsideBlocks = encryptThenMAC
    }

    func seal(_ packet: inout [UInt8], sequence: UInt32) throws {
        if lengthOutsideBlocks {
            try packet.transform(4..<packet.count, with: cipher)
            packet.append(contentsOf: try tag(packet, sequence))
        } else {
            let clearTag = try tag(packet, sequence)
            try packet.transform(0..<packet.count, with: cipher)
            packet.append(contentsOf: clearTag)
        }
    }

    func packetLength(header: [UInt8], sequence: UInt32) throws -> UInt32 {
        if lengthOutsideBlocks { return readUInt32(header, at: 0) }
        var block = Array(header.prefix(blockSize))
        try block.transform(0..<block.count, with: cipher)
        firstBlock = block
        return readUInt32(block, at: 0)
    }

    func open(_ wire: [UInt8], sequence: UInt32) throws -> [UInt8] {
        let end = wire.count - tagLength
        if lengthOutsideBlocks {
            let expected = try tag(wire[0..<end], sequence)
            guard tagsEqual(expected, wire[end...]) else { throw PacketIntegrityError.badMAC }
            var clear = Array(wire[0..<end])
            try clear.transform(4..<end, with: cipher)
            return clear
        }
        var clear = firstBlock
        clear.append(contentsOf: wire[blockSize..<end])
        try clear.transform(blockSize..<end, with: cipher)
        let expected = try tag(clear[...], sequence)
        guard tagsEqual(expected, wire[end...]) else { throw PacketIntegrityError.badMAC }
        return clear
    }

    private func tag(_ data: [UInt8], _ sequence: UInt32) throws -> [UInt8] {
        try tag(data[...], sequence)
    }

    private func tag(_ data: ArraySlice<UInt8>, _ sequence: UInt32) throws -> [UInt8] {
        guard let mac else { return [] }
        return try data.withUnsafeBytes { try mac.mac(sequence: sequence, $0) }
    }
}
