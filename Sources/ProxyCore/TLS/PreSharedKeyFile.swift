/// The key of a ProxyTLSPreSharedKey `hex:` file: hex digits (whitespace
/// and a final newline allowed around them), at least 20 bytes of key, as
/// mod_tls requires for its own TLSPreSharedKey.
public enum PreSharedKeyFile {
    public static let minimumKeyLength = 20
    /// OpenSSL's PSK_MAX_PSK_LEN.
    public static let maximumKeyLength = 512

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public static func decode(_ text: [UInt8]) throws -> [UInt8] {
        let digits = text.filter { !ASCII.isControlOrSpace($0) }
        guard digits.count % 2 == 0 else {
            throw Invalid(description: "odd number of hex digits (\(digits.count))")
        }
        var key: [UInt8] = []
        key.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else {
                throw Invalid(description: "not a hex digit at position \(index + 1)")
            }
            key.append(high << 4 | low)
            index += 2
        }
        guard key.count >= minimumKeyLength else {
            throw Invalid(description: "key is \(key.count) bytes; at least \(minimumKeyLength) are required")
        }
        guard key.count <= maximumKeyLength else {
            throw Invalid(description: "key is \(key.count) bytes; at most \(maximumKeyLength) are usable")
        }
        return key
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
