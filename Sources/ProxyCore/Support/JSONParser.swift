/// A strict JSON parser (RFC 8259) with limits, for configuration files such
/// as ProxyReverseServers lists. It accepts exactly the JSON grammar: no
/// comments, no trailing commas, no single quotes, UTF-8 only (a leading
/// UTF-8 byte-order mark is skipped, as RFC 8259 allows).
public struct JSONParser: Sendable {
    /// Largest document accepted, in bytes (upstream caps backend lists at 5 MiB).
    public var maxBytes: Int
    /// Deepest nesting of arrays/objects accepted.
    public var maxDepth: Int

    public init(maxBytes: Int = 5 * 1024 * 1024, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    public func parse<C: Collection>(_ bytes: C) throws -> JSONValue where C.Element == UInt8 {
        if bytes.count > maxBytes {
            throw JSONParseError(offset: 0, reason: .documentTooLarge(size: bytes.count, limit: maxBytes))
        }
        var cursor = JSONCursor(bytes: Array(bytes), maxDepth: maxDepth)
        return try cursor.parseDocument()
    }

    public func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// Why a document was refused, and at which byte offset (0-based).
public struct JSONParseError: Error, Hashable, CustomStringConvertible, Sendable {
    public enum Reason: Hashable, Sendable {
        case documentTooLarge(size: Int, limit: Int)
        case unexpectedEnd
        case unexpectedByte(UInt8, expected: String)
        case tooDeep(limit: Int)
        case invalidNumber
        case invalidEscape
        case invalidUnicodeEscape
        case unpairedSurrogate
        case controlCharacterInString(UInt8)
        case invalidUTF8
        case duplicateKey(String)
        case trailingData
    }

    public let offset: Int
    public let reason: Reason

    public var description: String {
        "invalid JSON at byte \(offset): \(reasonText)"
    }

    private var reasonText: String {
        switch reason {
        case .documentTooLarge(let size, let limit):
            return "document is \(size) bytes, more than the limit of \(limit)"
        case .unexpectedEnd: return "unexpected end of input"
        case .unexpectedByte(let byte, let expected):
            return "unexpected \(JSONParseError.show(byte)), expected \(expected)"
        case .tooDeep(let limit): return "nesting deeper than \(limit) levels"
        case .invalidNumber: return "malformed number"
        case .invalidEscape: return "invalid escape sequence in string"
        case .invalidUnicodeEscape: return "invalid \\u escape (expected 4 hex digits)"
        case .unpairedSurrogate: return "unpaired UTF-16 surrogate in \\u escape"
        case .controlCharacterInString(let byte):
            return "unescaped control character \(JSONParseError.show(byte)) in string"
        case .invalidUTF8: return "invalid UTF-8"
        case .duplicateKey(let key): return "duplicate object key '\(ConfigText.printable(key))'"
        case .trailingData: return "unexpected data after the JSON value"
        }
    }

    private static func show(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" + hex : hex)
    }
}

/// The parser's position in a document.
private struct JSONCursor {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0
    var depth = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index < bytes.count { throw error(.trailingData) }
        return value
    }

    func error(_ reason: JSONParseError.Reason) -> JSONParseError {
        JSONParseError(offset: index, reason: reason)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func peek() throws -> UInt8 {
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        return bytes[index]
    }

    mutating func parseValue() throws -> JSONValue {
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), 0x30...0x39: return .number(try parseNumber())
        default: throw error(.unexpectedByte(byte, expected: "a JSON value"))
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let expected = literal.withUTF8Buffer { Array($0) }
        for byte in expected {
            let actual = try peek()
            guard actual == byte else {
                throw error(.unexpectedByte(actual, expected: "'\(literal)'"))
            }
            index += 1
        }
    }

    mutating func enterContainer() throws {
        depth += 1
        if depth > maxDepth { throw error(.tooDeep(limit: maxDepth)) }
    }

    mutating func parseArray() throws -> JSONValue {
        try enterContainer()
        index += 1 // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            let byte = try peek()
            index += 1
            if byte == UInt8(ascii: ",") { continue }
            if byte == UInt8(ascii: "]") { break }
            index -= 1
            throw error(.unexpectedByte(byte, expected: "',' or ']'"))
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseObject() throws -> JSONValue {
        try enterContainer()
        index += 1 // '{'
        var members: [JSONMember] = []
        var seen = Set<String>()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyStart = index
            let byte = try peek()
            guard byte == UInt8(ascii: "\"") else {
                throw error(.unexpectedByte(byte, expected: "a string key"))
            }
            let key = try parseString()
            if !seen.insert(key).inserted {
                throw JSONParseError(offset: keyStart, reason: .duplicateKey(key))
            }
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else {
                throw error(.unexpectedByte(colon, expected: "':'"))
            }
            index += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try parseValue()))
            skipWhitespace()
            let next = try peek()
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { break }
            index -= 1
            throw error(.unexpectedByte(next, expected: "',' or '}'"))
        }
        depth -= 1
        return .object(members)
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    mutating func parseNumber() throws -> String {
        let start = index
        func digits(_ cursor: inout JSONCursor) -> Int {
            var count = 0
            while cursor.index < cursor.bytes.count, ASCII.isDigit(cursor.bytes[cursor.index]) {
                cursor.index += 1
                count += 1
            }
            return count
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, ASCII.isDigit(bytes[index]) { throw error(.invalidNumber) }
        } else if digits(&self) == 0 {
            throw error(.invalidNumber)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            if digits(&self) == 0 { throw error(.invalidNumber) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            if digits(&self) == 0 { throw error(.invalidNumber) }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func parseString() throws -> String {
        index += 1 // opening quote
        var scalars = String.UnicodeScalarView()
        while true {
            guard index < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                scalars.append(try parseEscape())
            case 0x00..<0x20:
                throw error(.controlCharacterInString(byte))
            case 0x00..<0x80:
                scalars.append(Unicode.Scalar(byte))
                index += 1
            default:
                scalars.append(try parseUTF8Scalar())
            }
        }
    }

    mutating func parseEscape() throws -> Unicode.Scalar {
        index += 1 // backslash
        guard index < bytes.count else { throw error(.unexpectedEnd) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try parseHex4()
            switch first {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by \u and a low surrogate.
                guard index + 1 < bytes.count,
                      bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error(.unpairedSurrogate)
                }
                index += 2
                let second = try parseHex4()
                guard (0xDC00...0xDFFF).contains(second) else { throw error(.unpairedSurrogate) }
                let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else { throw error(.unpairedSurrogate) }
                return scalar
            case 0xDC00...0xDFFF:
                throw error(.unpairedSurrogate)
            default:
                guard let scalar = Unicode.Scalar(first) else { throw error(.invalidUnicodeEscape) }
                return scalar
            }
        default:
            index -= 2
            throw error(.invalidEscape)
        }
    }

    mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error(.invalidUnicodeEscape) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = ASCII.hexValue(bytes[index]) else { throw error(.invalidUnicodeEscape) }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// One multi-byte UTF-8 sequence, validated (no overlongs, no surrogates,
    /// nothing above U+10FFFF).
    mutating func parseUTF8Scalar() throws -> Unicode.Scalar {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: throw error(.invalidUTF8)
        }
        guard index + length <= bytes.count else { throw error(.invalidUTF8) }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { throw error(.invalidUTF8) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : (length == 3 ? 0x800 : 0x10000)
        guard value >= minimum, value <= 0x10FFFF, let scalar = Unicode.Scalar(value) else {
            throw error(.invalidUTF8)
        }
        index += length
        return scalar
    }
}
