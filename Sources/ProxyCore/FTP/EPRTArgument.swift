/// The argument of EPRT (RFC 2428): "<d><af><d><address><d><port><d>",
/// e.g. "|1|132.235.1.2|6275|" or "|2|::1|5282|"; af 1 = IPv4, 2 = IPv6.
public enum EPRTArgument {
    public static func parse(_ text: String) throws -> DataEndpoint {
        func fail(_ reason: String) -> DataAddressError { DataAddressError(input: text, reason: reason) }
        let bytes = Array(text.utf8)
        guard let delimiter = bytes.first, (33...126).contains(delimiter) else {
            throw fail("expected a delimiter character (33-126) first")
        }
        let fields = bytes.dropFirst().split(separator: delimiter, omittingEmptySubsequences: false)
        // "|1|addr|port|" splits into ["1", "addr", "port", ""].
        guard fields.count == 4, fields[3].isEmpty else {
            throw fail("expected <d>family<d>address<d>port<d>")
        }
        let family = String(decoding: fields[0], as: UTF8.self)
        let address = String(decoding: fields[1], as: UTF8.self)
        guard !fields[2].isEmpty, fields[2].allSatisfy(ASCII.isDigit),
              let port = ASCII.decimalValue(fields[2], limit: 65535), port > 0 else {
            throw fail("port is missing or out of range (1-65535)")
        }
        switch family {
        case "1":
            guard let v4 = IPAddress.ipv4(address)?.description else {
                throw fail("'\(ConfigText.printable(address))' is not an IPv4 address (family 1)")
            }
            return DataEndpoint(validated: v4, port: UInt16(port), family: .ipv4)
        case "2":
            guard let v6 = IPAddress.ipv6(address)?.description else {
                throw fail("'\(ConfigText.printable(address))' is not an IPv6 address (family 2)")
            }
            return DataEndpoint(validated: v6, port: UInt16(port), family: .ipv6)
        default:
            throw fail("unsupported network protocol '\(ConfigText.printable(family))' (expected 1 or 2)")
        }
    }

    /// The network protocol field read as core reads it (the digits after
    /// the first delimiter; nil when there are none): core answers anything
    /// but 1 (and 2 with IPv6 on) with 522 "Network protocol not supported"
    /// before it looks at the rest.
    public static func networkProtocol(_ text: String) -> Int? {
        ASCII.decimalValue(text.utf8.dropFirst().prefix(while: ASCII.isDigit), limit: 9)
    }

    /// "|1|a.b.c.d|port|" or "|2|v6|port|".
    public static func format(_ endpoint: DataEndpoint) -> String {
        "|\(endpoint.family == .ipv4 ? 1 : 2)|\(endpoint.address)|\(endpoint.port)|"
    }

    public static func format(address: String, port: UInt16) throws -> String {
        format(try DataEndpoint(address: address, port: port))
    }
}
