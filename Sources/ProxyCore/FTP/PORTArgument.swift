/// The argument of PORT: "h1,h2,h3,h4,p1,p2" (RFC 959).
public enum PORTArgument {
    public static func parse(_ text: String) throws -> DataEndpoint {
        let bytes = Array(text.utf8)
        guard let match = try HostPortNumbers.scan(bytes, from: 0, input: text), match.end == bytes.count else {
            throw DataAddressError(input: text, reason: "expected h1,h2,h3,h4,p1,p2 with numbers 0-255")
        }
        return try HostPortNumbers.endpoint(from: match.values, input: text)
    }

    /// Accepts IPv4-mapped IPv6 addresses ("::ffff:1.2.3.4").
    public static func format(ipv4: String, port: UInt16) throws -> String {
        try HostPortNumbers.format(ipv4: ipv4, port: port)
    }

    public static func format(_ endpoint: DataEndpoint) throws -> String {
        try HostPortNumbers.format(ipv4: endpoint.address, port: endpoint.port)
    }
}
