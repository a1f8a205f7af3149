import Glibc

/// Numeric IP address text, checked and normalised with inet_pton/inet_ntop.
public enum IPAddressText {
    public static func isIPv4(_ text: String) -> Bool { normalizedIPv4(text) != nil }

    public static func isIPv6(_ text: String) -> Bool { normalizedIPv6(text) != nil }

    /// The dotted-quad form of `text` if it is a valid IPv4 address
    /// (inet_pton refuses shorthand such as "1.2.3" or leading zeros).
    public static func normalizedIPv4(_ text: String) -> String? {
        guard let bytes = ipv4Bytes(text) else { return nil }
        return bytes.map(String.init).joined(separator: ".")
    }

    public static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard !text.utf8.contains(0), inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The canonical (RFC 5952, as inet_ntop prints it) form of an IPv6 address.
    public static func normalizedIPv6(_ text: String) -> String? {
        var address = in6_addr()
        guard !text.utf8.contains(0), inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address ("::ffff:1.2.3.4").
    public static func ipv4FromMapped(_ text: String) -> String? {
        var address = in6_addr()
        guard !text.utf8.contains(0), inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &address) { Array($0) }
        guard bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return bytes[12..<16].map(String.init).joined(separator: ".")
    }
}
