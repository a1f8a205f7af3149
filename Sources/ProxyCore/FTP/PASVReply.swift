/// The 227 reply to PASV: "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)."
public enum PASVReply {
    /// Finds the six numbers anywhere in the reply text, as real clients do
    /// (servers vary the wording and the parentheses).
    public static func parse(_ text: String) throws -> DataEndpoint {
        let bytes = Array(text.utf8)
        var index = 0
        // Skip the reply code, so "227 10,0,0,1,4,1" still works.
        if bytes.count >= 4, bytes[0..<3].allSatisfy(ASCII.isDigit),
           bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-") {
            index = 4
        }
        while index < bytes.count {
            let startsNumber = ASCII.isDigit(bytes[index]) && (index == 0 || !ASCII.isDigit(bytes[index - 1]))
            if startsNumber, let match = try HostPortNumbers.scan(bytes, from: index, input: text) {
                return try HostPortNumbers.endpoint(from: match.values, input: text)
            }
            index += 1
        }
        throw DataAddressError(input: text, reason: "no h1,h2,h3,h4,p1,p2 address found in PASV reply")
    }

    /// Parses a received reply, which must have code 227.
    public static func parse(_ reply: FTPReply) throws -> DataEndpoint {
        let text = reply.lines.last ?? ""
        guard reply.code == 227 else {
            throw DataAddressError(input: text, reason: "expected a 227 reply to PASV, got \(reply.code)")
        }
        return try parse(reply.lines.joined(separator: " "))
    }

    /// "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)." (no line ending).
    /// Accepts IPv4-mapped IPv6 addresses ("::ffff:1.2.3.4").
    public static func format(ipv4: String, port: UInt16) throws -> String {
        "227 Entering Passive Mode (\(try HostPortNumbers.format(ipv4: ipv4, port: port)))."
    }
}
