/// The receiving half of the binary packet protocol: buffers stream bytes
/// and cuts them into packets, checking length, alignment, padding and the
/// protection in force. Never holds more than one maximal packet beyond
/// what it was given.
final class PacketReader {
    private(set) var protection: PacketProtection = PlainProtection()
    private(set) var sequence: UInt32 = 0
    private(set) var bytesSinceKeys = 0
    /// Set when the server's compression starts; bounds what a payload may inflate to.
    var decompressor: PayloadDecompressor?
    private var buffer: [UInt8] = []
    private var start = 0
    /// packet_length once the header was read (it is decrypted only once).
    private var pendingLength: Int?

    func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    var buffered: Int { buffer.count - start }

    /// Keys for packets after the NEWKEYS just read.
    func switchKeys(to protection: PacketProtection, resetSequence: Bool) {
        precondition(pendingLength == nil, "keys switch between packets")
        self.protection = protection
        bytesSinceKeys = 0
        if resetSequence { sequence = 0 }
    }

    /// The next packet's payload, nil until a whole packet is buffered.
    func next() throws -> [UInt8]? {
        let p = protection
        if pendingLength == nil {
            guard buffered >= p.headerLength else { return nil }
            let header = Array(buffer[start..<start + p.headerLength])
            let length = try p.packetLength(header: header, sequence: sequence)
            guard length >= 5, length <= PacketLimits.maxPacketLength else { throw PacketError.badLength(length) }
            let aligned = p.lengthOutsideBlocks ? Int(length) : 4 + Int(length)
            guard aligned % p.blockSize == 0 else { throw PacketError.misaligned(length: length, blockSize: p.blockSize) }
            pendingLength = Int(length)
        }
        let length = pendingLength!
        let total = 4 + length + p.tagLength
        guard buffered >= total else { return nil }
        let wire = Array(buffer[start..<start + total])
        start += total
        pendingLength = nil
        let clear = try p.open(wire, sequence: sequence)
        sequence &+= 1
        bytesSinceKeys += total
        let padding = Int(clear[4])
        guard padding >= PacketLimits.minPadding, padding + 1 <= length else {
            throw PacketError.badPadding(clear[4], packetLength: UInt32(length))
        }
        let payload = Array(clear[5..<4 + length - padding])
        return try decompressor?.decompress(payload) ?? payload
    }
}
