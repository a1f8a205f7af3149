import Glibc

/// An IPv4 or IPv6 address: 4 or 16 network-order bytes. The one type for
/// addresses in the module, and the one place for the IPv4-mapped rule.
///
/// Text is parsed and printed the inet_pton/inet_ntop way: strict dotted
/// quads (no shorthand such as "1.2.3", no leading zeros), IPv6 compressed
/// as RFC 5952 prints it ("2001:db8::1"), no brackets, no "%zone".
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6), network order.
    public let bytes: [UInt8]

    /// nil unless `bytes` holds 4 or 16 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A numeric IPv4 or IPv6 address; nil for anything else.
    public init?<S: StringProtocol>(_ text: S) {
        guard let parsed = IPAddress.parse(text, family: AF_INET, length: 4)
                ?? IPAddress.parse(text, family: AF_INET6, length: 16) else { return nil }
        bytes = parsed
    }

    /// A strict dotted quad only.
    public static func ipv4<S: StringProtocol>(_ text: S) -> IPAddress? {
        parse(text, family: AF_INET, length: 4).map { IPAddress(validBytes: $0) }
    }

    /// An IPv6 literal only (no brackets, no zone).
    public static func ipv6<S: StringProtocol>(_ text: S) -> IPAddress? {
        parse(text, family: AF_INET6, length: 16).map { IPAddress(validBytes: $0) }
    }

    private init(validBytes: [UInt8]) { bytes = validBytes }

    public var isIPv4: Bool { bytes.count == 4 }
    public var isIPv6: Bool { bytes.count == 16 }

    /// ::ffff:a.b.c.d
    public var isIPv4Mapped: Bool {
        bytes.count == 16 && bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
    }

    /// The IPv4-mapped rule: ::ffff:a.b.c.d is the IPv4 host a.b.c.d (as
    /// upstream treats it). Other addresses are returned unchanged.
    public var unmapped: IPAddress {
        isIPv4Mapped ? IPAddress(validBytes: Array(bytes[12..<16])) : self
    }

    /// The 4 IPv4 bytes of an IPv4 or IPv4-mapped address.
    public var ipv4Bytes: [UInt8]? {
        let plain = unmapped
        return plain.isIPv4 ? plain.bytes : nil
    }

    /// In 10/8, 172.16/12 or 192.168/16 (RFC 1918), IPv4-mapped included, as
    /// ProFTPD's pr_netaddr_is_rfc1918 decides; no IPv6 address is.
    public var isRFC1918: Bool {
        guard let v4 = ipv4Bytes else { return false }
        return v4[0] == 10 || (v4[0] == 172 && (v4[1] & 0xF0) == 16) || (v4[0] == 192 && v4[1] == 168)
    }

    /// Whether both name the same host, IPv4-mapped or not.
    public func isSameHost(as other: IPAddress) -> Bool {
        unmapped == other.unmapped
    }

    /// inet_ntop's text.
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let capacity = socklen_t(text.count)
        let family = isIPv4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { inet_ntop(family, raw.baseAddress, $0.baseAddress, capacity) }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
