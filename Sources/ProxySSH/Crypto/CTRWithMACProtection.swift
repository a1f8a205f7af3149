/// AES-CTR with an HMAC: encrypt-and-MAC (RFC 4253: MAC over the clear
/// packet, length encrypted) or encrypt-then-MAC (the -etm@openssh.com
/// MACs: length in clear, MAC over the ciphertext, checked before decrypting).
final class CTRWithMACProtection: PacketProtection {
    let blockSize = 16
    var tagLength: Int { mac.length }
    let lengthOutsideBlocks: Bool
    var headerLength: Int { lengthOutsideBlocks ? 4 : blockSize }

    private let cipher: EVPCipherContext
    private let mac: MessageAuthenticator
    /// Non-ETM: the first block, decrypted to read the length (the CTR
    /// stream has moved past it, so it is kept rather than decrypted again).
    private var firstBlock: [UInt8] = []

    init(cipher: EVPCipherContext, mac: MessageAuthenticator, encryptThenMAC: Bool) {
        self.cipher = cipher
        self.mac = mac
        self.lengthOutsideBlocks = encryptThenMAC
    }

    func seal(_ packet: inout [UInt8], sequence: UInt32) throws {
        if lengthOutsideBlocks {
            try packet.transform(4..<packet.count, with: cipher)
            let tag = try packet.withUnsafeBytes { try mac.mac(sequence: sequence, $0) }
            packet.append(contentsOf: tag)
        } else {
            let tag = try packet.withUnsafeBytes { try mac.mac(sequence: sequence, $0) }
            try packet.transform(0..<packet.count, with: cipher)
            packet.append(contentsOf: tag)
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
        let end = wire.count - mac.length
        if lengthOutsideBlocks {
            let expected = try wire.withUnsafeBytes { try mac.mac(sequence: sequence, UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
            guard tagsEqual(expected, wire[end...]) else { throw PacketIntegrityError.badMAC }
            var clear = Array(wire[0..<end])
            try clear.transform(4..<end, with: cipher)
            return clear
        }
        var clear = firstBlock
        clear.append(contentsOf: wire[blockSize..<end])
        try clear.transform(blockSize..<end, with: cipher)
        let expected = try clear.withUnsafeBytes { try mac.mac(sequence: sequence, $0) }
        guard tagsEqual(expected, wire[end...]) else { throw PacketIntegrityError.badMAC }
        return clear
    }
}
