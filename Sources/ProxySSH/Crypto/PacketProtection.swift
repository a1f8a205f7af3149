/// How one direction of the binary packet protocol (RFC 4253 section 6)
/// protects its packets: encryption, integrity, and where the length sits.
/// Instances hold key schedules and stream positions, so they are classes,
/// one per direction and key exchange.
///
/// A packet here is `uint32 packet_length || byte padding_length || payload
/// || padding` in clear; on the wire it is that, protected, then a tag.
protocol PacketProtection: AnyObject {
    /// Cipher block size: the padded part is a multiple of it (at least 8).
    var blockSize: Int { get }
    /// MAC or AEAD tag bytes after the packet.
    var tagLength: Int { get }
    /// True for ETM MACs and AEAD ciphers: the length is not encrypted with
    /// the payload and is left out of the block alignment.
    var lengthOutsideBlocks: Bool { get }
    /// Bytes the receiver needs before it can learn the packet length.
    var headerLength: Int { get }

    /// Protects `packet` in place and appends the tag.
    func seal(_ packet: inout [UInt8], sequence: UInt32) throws
    /// The packet_length field, from the first `headerLength` wire bytes.
    func packetLength(header: [UInt8], sequence: UInt32) throws -> UInt32
    /// Checks and decrypts a whole wire packet (4 + packet_length + tag bytes),
    /// giving the clear packet without the tag.
    func open(_ wire: [UInt8], sequence: UInt32) throws -> [UInt8]
}

/// Failures of a received packet's protection: a wrong tag is an attack
/// or a broken peer; the session cannot go on either way.
public enum PacketIntegrityError: Error, Equatable, CustomStringConvertible {
    case badMAC
    case badTag(cipher: String)

    public var description: String {
        switch self {
        case .badMAC: return "packet MAC does not match (corrupted or forged packet)"
        case .badTag(let c): return "\(c) authentication tag does not match (corrupted or forged packet)"
        }
    }
}

/// Before the first NEWKEYS: no encryption, no MAC.
final class PlainProtection: PacketProtection {
    let blockSize = 8
    let tagLength = 0
    let lengthOutsideBlocks = false
    let headerLength = 4

    func seal(_ packet: inout [UInt8], sequence: UInt32) throws {}

    func packetLength(header: [UInt8], sequence: UInt32) throws -> UInt32 {
        readUInt32(header, at: 0)
    }

    func open(_ wire: [UInt8], sequence: UInt32) throws -> [UInt8] { wire }
}

func readUInt32<C: RandomAccessCollection>(_ b: C, at i: Int) -> UInt32 where C.Element == UInt8, C.Index == Int {
    let s = b.startIndex + i
    return UInt32(b[s]) << 24 | UInt32(b[s + 1]) << 16 | UInt32(b[s + 2]) << 8 | UInt32(b[s + 3])
}

func bigEndianBytes(_ v: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
     UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
}
