/// A received packet that breaks the binary packet protocol's framing.
public enum PacketError: Error, Equatable, CustomStringConvertible {
    case badLength(UInt32)
    case misaligned(length: UInt32, blockSize: Int)
    case badPadding(UInt8, packetLength: UInt32)
    case payloadTooLarge(Int)

    public var description: String {
        switch self {
        case .badLength(let n):
            return "packet length \(n) is out of range (5...\(PacketLimits.maxPacketLength))"
        case .misaligned(let n, let b):
            return "packet length \(n) is not a multiple of the cipher block size \(b)"
        case .badPadding(let p, let n):
            return "padding length \(p) is invalid for packet length \(n)"
        case .payloadTooLarge(let n):
            return "payload of \(n) bytes is over the packet limit"
        }
    }
}
