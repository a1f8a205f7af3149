/// Renders untrusted text for error messages: control characters escaped,
/// long values truncated, so a hostile value can't forge log lines.
public enum ConfigText {
    public static func printable(_ text: String, limit: Int = 120) -> String {
        printable(Array(text.utf8), limit: limit)
    }

    public static func printable<C: Collection>(_ bytes: C, limit: Int = 120) -> String where C.Element == UInt8 {
        var out = ""
        var count = 0
        var truncated = false
        // Decode as UTF-8 (invalid sequences become U+FFFD), then escape controls.
        for scalar in String(decoding: Array(bytes), as: UTF8.self).unicodeScalars {
            if count >= limit { truncated = true; break }
            switch scalar.value {
            case 0x0D: out += "\\r"
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F, 0x80..<0xA0:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return truncated ? out + "..." : out
    }
}
