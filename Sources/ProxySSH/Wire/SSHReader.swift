/// Reads RFC 4251 wire types from a byte buffer, never past its end: every
/// length is checked against what remains before anything is copied.
public struct SSHReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int
    private let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    public init<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        self.init(Array(bytes))
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset == end }

    private func need(_ n: Int, _ field: String) throws {
        if n > remaining {
            throw SSHWireError(field: field, problem: "needs \(n) bytes, \(remaining) left")
        }
    }

    public mutating func byte(_ field: String = "byte") throws -> UInt8 {
        try need(1, field)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func boolean(_ field: String = "boolean") throws -> Bool {
        try byte(field) != 0
    }

    public mutating func uint32(_ field: String = "uint32") throws -> UInt32 {
        try need(4, field)
        let v = bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        offset += 4
        return v
    }

    public mutating func uint64(_ field: String = "uint64") throws -> UInt64 {
        try need(8, field)
        let v = bytes[offset..<offset + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        offset += 8
        return v
    }

    public mutating func raw(_ count: Int, _ field: String = "bytes") throws -> [UInt8] {
        guard count >= 0 else { throw SSHWireError(field: field, problem: "negative length") }
        try need(count, field)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// An SSH `string`: a uint32 length, then that many bytes. `limit`
    /// bounds what a peer may make us hold for one field.
    public mutating func string(_ field: String = "string", limit: Int = 256 * 1024) throws -> [UInt8] {
        let length = Int(try uint32(field + " length"))
        if length > limit {
            throw SSHWireError(field: field, problem: "length \(length) is over the limit of \(limit)")
        }
        try need(length, field)
        return try raw(length, field)
    }

    /// A string that must be UTF-8 text (names, descriptions).
    public mutating func text(_ field: String = "text", limit: Int = 64 * 1024) throws -> String {
        let raw = try string(field, limit: limit)
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw SSHWireError(field: field, problem: "is not UTF-8")
        }
        return s
    }

    /// A `name-list`: comma-separated US-ASCII names, none empty.
    public mutating func nameList(_ field: String = "name-list") throws -> [String] {
        let raw = try string(field, limit: 64 * 1024)
        if raw.isEmpty { return [] }
        if raw.contains(where: { $0 < 0x21 || $0 > 0x7e }) {
            throw SSHWireError(field: field, problem: "holds a byte that is not printable US-ASCII")
        }
        let names = raw.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        if names.contains(where: { $0.isEmpty }) {
            throw SSHWireError(field: field, problem: "has an empty name")
        }
        return names.map { String(decoding: $0, as: UTF8.self) }
    }

    /// An `mpint`, returned as the unsigned big-endian magnitude without
    /// leading zeros. Negative values and non-minimal encodings are refused:
    /// every mpint in the transport (DH values, RSA and ECDSA numbers) is positive.
    public mutating func positiveMPInt(_ field: String = "mpint", maxBits: Int = 16384) throws -> [UInt8] {
        let raw = try string(field, limit: maxBits / 8 + 1)
        guard let first = raw.first else { return [] }
        if first & 0x80 != 0 { throw SSHWireError(field: field, problem: "is negative") }
        if first == 0 && (raw.count == 1 || raw[1] & 0x80 == 0) {
            throw SSHWireError(field: field, problem: "has a needless leading zero byte")
        }
        let magnitude = first == 0 ? Array(raw.dropFirst()) : raw
        if magnitude.count * 8 > maxBits {
            throw SSHWireError(field: field, problem: "is over \(maxBits) bits")
        }
        return magnitude
    }

    public func expectEnd(_ what: String) throws {
        if remaining != 0 {
            throw SSHWireError(field: what, problem: "has \(remaining) trailing bytes")
        }
    }
}
