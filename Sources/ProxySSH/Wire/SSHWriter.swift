/// Builds RFC 4251 wire types into a byte array.
public struct SSHWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func byte(_ v: UInt8) { bytes.append(v) }
    public mutating func boolean(_ v: Bool) { bytes.append(v ? 1 : 0) }

    public mutating func uint32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func uint64(_ v: UInt64) {
        uint32(UInt32(truncatingIfNeeded: v >> 32))
        uint32(UInt32(truncatingIfNeeded: v))
    }

    public mutating func raw<C: Collection>(_ v: C) where C.Element == UInt8 { bytes.append(contentsOf: v) }

    public mutating func string<C: Collection>(_ v: C) where C.Element == UInt8 {
        uint32(UInt32(v.count))
        bytes.append(contentsOf: v)
    }

    public mutating func string(_ v: String) { string(Array(v.utf8)) }

    public mutating func nameList(_ names: [String]) { string(names.joined(separator: ",")) }

    /// An `mpint` from an unsigned big-endian magnitude: leading zeros dropped,
    /// and a zero byte put in front when the top bit is set (so it stays positive).
    public mutating func positiveMPInt<C: Collection>(_ magnitude: C) where C.Element == UInt8 {
        let trimmed = magnitude.drop(while: { $0 == 0 })
        if let first = trimmed.first, first & 0x80 != 0 {
            uint32(UInt32(trimmed.count + 1))
            bytes.append(0)
        } else {
            uint32(UInt32(trimmed.count))
        }
        bytes.append(contentsOf: trimmed)
    }
}
