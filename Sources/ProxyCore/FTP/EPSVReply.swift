/// The 229 reply to EPSV (RFC 2428): "229 Entering Extended Passive Mode (|||port|)".
/// Any delimiter in 33-126 is allowed, as long as all four are the same.
public enum EPSVReply {
    /// Returns the port; the address is the one of the control connection.
    public static func parse(_ text: String) throws -> UInt16 {
        let bytes = Array(text.utf8)
        var sawCandidate = false
        var index = 0
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "(")) {
            index = open + 1
            guard open + 5 < bytes.count else { break }
            let delimiter = bytes[open + 1]
            guard (33...126).contains(delimiter), !ASCII.isDigit(delimiter),
                  bytes[open + 2] == delimiter, bytes[open + 3] == delimiter else { continue }
            sawCandidate = true
            var end = open + 4
            while end < bytes.count, ASCII.isDigit(bytes[end]) { end += 1 }
            guard end + 1 < bytes.count, bytes[end] == delimiter, bytes[end + 1] == UInt8(ascii: ")") else {
                continue
            }
            guard let port = ASCII.decimalValue(bytes[(open + 4)..<end], limit: 65535), port > 0 else {
                throw DataAddressError(input: text, reason: "EPSV port is missing or out of range (1-65535)")
            }
            return UInt16(port)
        }
        throw DataAddressError(input: text, reason: sawCandidate
            ? "malformed (<d><d><d>port<d>) in EPSV reply"
            : "no (<d><d><d>port<d>) found in EPSV reply")
    }

    public static func parse(_ reply: FTPReply) throws -> UInt16 {
        guard reply.code == 229 else {
            throw DataAddressError(input: reply.lines.last ?? "", reason: "expected a 229 reply to EPSV, got \(reply.code)")
        }
        return try parse(reply.lines.joined(separator: " "))
    }

    /// "229 Entering Extended Passive Mode (|||port|)" (no line ending).
    public static func format(port: UInt16) -> String {
        "229 Entering Extended Passive Mode (|||\(port)|)"
    }
}
