/// Renders untrusted bytes for error messages: hex, plus a quoted form with
/// non-printables escaped, so a log line can never be forged by the peer.
enum ProxyProtocolDiagnosticText {
    static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }

    static func hexByte(_ byte: UInt8) -> String {
        "0x" + hex([byte]).uppercased()
    }

    static func quoted<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var text = "\""
        for byte in bytes {
            switch byte {
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + hex([byte])
            }
        }
        return text + "\""
    }

    static func quoted(_ text: String) -> String {
        quoted(Array(text.utf8))
    }
}
