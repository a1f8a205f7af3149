import Glibc

/// IP addresses as text, the inet_ntop/inet_pton way: dotted quads without
/// leading zeros, IPv6 compressed ("2001:db8::1"), no zone identifiers.
public enum ProxyIPAddressText {
    /// Renders 4 or 16 network-order bytes; nil for any other length.
    public static func format(_ bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let capacity = socklen_t(text.count)
        let rendered = bytes.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { out in
                inet_ntop(family, raw.baseAddress, out.baseAddress, capacity) != nil
            }
        }
        guard rendered else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Parses a strict dotted quad (no leading zeros, exactly four parts).
    public static func parseIPv4<S: StringProtocol>(_ text: S) -> [UInt8]? {
        parse(text, family: AF_INET, length: 4)
    }

    /// Parses an IPv6 literal (no brackets, no "%zone").
    public static func parseIPv6<S: StringProtocol>(_ text: S) -> [UInt8]? {
        parse(text, family: AF_INET6, length: 16)
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d),
    /// which upstream treats as plain IPv4; nil if `bytes` is not one.
    public static func unmappedIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16,
              bytes[0..<10].allSatisfy({ $0 == 0 }),
              bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return Array(bytes[12..<16])
    }

    private static func parse<S: StringProtocol>(_ text: S, family: Int32, length: Int) -> [UInt8]? {
        // inet_pton stops at a NUL; an embedded one must not shorten the text.
        guard !text.utf8.contains(0) else { return nil }
        var out = [UInt8](repeating: 0, count: 16)
        let status = String(text).withCString { cText in
            out.withUnsafeMutableBytes { inet_pton(family, cText, $0.baseAddress) }
        }
        return status == 1 ? Array(out.prefix(length)) : nil
    }
}
