/// Byte-level helpers for the ASCII protocols and configuration syntax we parse.
enum ASCII {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isHexDigit(_ byte: UInt8) -> Bool { hexValue(byte) != nil }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// Control characters, space and DEL: never part of a token.
    static func isControlOrSpace(_ byte: UInt8) -> Bool { byte <= 0x20 || byte == 0x7F }

    /// The value of a run of decimal digits, or nil if it is empty, holds a
    /// non-digit or exceeds `limit` (checked digit by digit, so no overflow).
    static func decimalValue<C: Collection>(_ digits: C, limit: Int) -> Int? where C.Element == UInt8 {
        if digits.isEmpty { return nil }
        var value = 0
        for byte in digits {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
            if value > limit { return nil }
        }
        return value
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
    }

    /// Case-insensitive ASCII comparison, like strcasecmp() == 0.
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        for i in 0..<x.count where lowercased(x[i]) != lowercased(y[i]) { return false }
        return true
    }
}
