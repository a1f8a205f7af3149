/// The sending half of the binary packet protocol: padding, sequence
/// numbers, and the protection currently in force for this direction.
final class PacketWriter {
    private(set) var protection: PacketProtection = PlainProtection()
    private(set) var sequence: UInt32 = 0
    /// Bytes sent under the current keys (for rekeying by volume).
    private(set) var bytesSinceKeys = 0
    /// Set when compression starts (after NEWKEYS, or after userauth for the delayed form).
    var compressor: PayloadCompressor?

    /// New keys take effect from the packet after NEWKEYS.
    func switchKeys(to protection: PacketProtection, resetSequence: Bool) {
        self.protection = protection
        bytesSinceKeys = 0
        if resetSequence { sequence = 0 }
    }

    func frame(_ payload: [UInt8]) throws -> [UInt8] {
        guard payload.count <= PacketLimits.maxPayload else { throw PacketError.payloadTooLarge(payload.count) }
        let payload = try compressor?.compress(payload) ?? payload
        let block = protection.blockSize
        let aligned = (protection.lengthOutsideBlocks ? 1 : 5) + payload.count
        var padding = block - aligned % block
        if padding < PacketLimits.minPadding { padding += block }
        var packet = [UInt8]()
        packet.reserveCapacity(5 + payload.count + padding + protection.tagLength)
        packet.append(contentsOf: bigEndianBytes(UInt32(1 + payload.count + padding)))
        packet.append(UInt8(padding))
        packet.append(contentsOf: payload)
        packet.append(contentsOf: SecureRandom.bytes(padding))
        try protection.seal(&packet, sequence: sequence)
        sequence &+= 1
        bytesSinceKeys += packet.count
        return packet
    }
}
