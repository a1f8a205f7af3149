/// Percent-encoding for URL user info (RFC 3986), and password masking for
/// messages that echo a URL back.
enum URLPercentEncoding {
    /// Decodes %XX escapes; nil if an escape is malformed.
    static func decode<C: Collection>(_ bytes: C) -> [UInt8]? where C.Element == UInt8 {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < input.count,
                      let high = ASCII.hexValue(input[index + 1]),
                      let low = ASCII.hexValue(input[index + 2]) else { return nil }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    /// Encodes everything but RFC 3986 unreserved characters and sub-delims.
    static func encodeUserInfo(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let keep = ASCII.isAlpha(byte) || ASCII.isDigit(byte)
                || "-._~!$&'()*+,;=".utf8.contains(byte)
            if keep {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count < 2 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// "ftp://user:secret@host" -> "ftp://user:***@host", so errors and logs
    /// never show a configured password.
    static func maskingPassword(in text: String) -> String {
        let bytes = Array(text.utf8)
        guard let schemeEnd = bytes.firstRange(of: Array("://".utf8))?.lowerBound else { return text }
        let authorityStart = schemeEnd + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count, bytes[authorityEnd] != UInt8(ascii: "/") { authorityEnd += 1 }
        let authority = bytes[authorityStart..<authorityEnd]
        guard let at = authority.lastIndex(of: UInt8(ascii: "@")),
              let colon = authority[authorityStart..<at].firstIndex(of: UInt8(ascii: ":")) else {
            return text
        }
        let masked = Array(bytes[0...colon]) + Array("***".utf8) + Array(bytes[at...])
        return String(decoding: masked, as: UTF8.self)
    }

}
