/// Reads big-endian fields and (compressed) domain names from a DNS
/// message, never past its end. Name pointers must point backwards, so a
/// pointer loop cannot exist.
struct DNSReader {
    let bytes: [UInt8]
    var offset: Int

    static let maxNameLength = 255

    mutating func u8(_ what: String) throws -> UInt8 {
        guard offset < bytes.count else { throw DNSMessageError("\(what) cut short") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: String) throws -> UInt16 {
        UInt16(try u8(what)) << 8 | UInt16(try u8(what))
    }

    mutating func u32(_ what: String) throws -> UInt32 {
        UInt32(try u16(what)) << 16 | UInt32(try u16(what))
    }

    mutating func skip(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= bytes.count - offset else { throw DNSMessageError("\(what) cut short") }
        offset += count
    }

    /// A domain name, dotted, without the trailing dot ("" is the root).
    mutating func name() throws -> String {
        var labels: [String] = []
        var length = 0
        var position = offset
        var resumeAt: Int?   // where the reader goes on after the first pointer
        while true {
            guard position < bytes.count else { throw DNSMessageError("domain name cut short") }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0x00:
                let count = Int(byte)
                if count == 0 {
                    offset = resumeAt ?? position + 1
                    return labels.joined(separator: ".")
                }
                guard position + 1 + count <= bytes.count else { throw DNSMessageError("domain name label cut short") }
                let label = bytes[(position + 1)...(position + count)]
                length += count + 1
                guard length <= Self.maxNameLength else { throw DNSMessageError("domain name longer than 255 bytes") }
                guard label.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ".") }) else {
                    throw DNSMessageError("domain name label with unprintable or dot characters")
                }
                labels.append(String(decoding: label, as: UTF8.self))
                position += 1 + count
            case 0xC0:
                guard position + 1 < bytes.count else { throw DNSMessageError("name pointer cut short") }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < position else { throw DNSMessageError("name pointer does not point backwards") }
                if resumeAt == nil { resumeAt = position + 2 }
                position = target
            default:
                throw DNSMessageError("unknown label type 0x\(String(byte >> 6, radix: 16))")
            }
        }
    }
}
