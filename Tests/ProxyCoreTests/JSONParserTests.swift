import XCTest
@testable import ProxyCore

final class JSONParserTests: XCTestCase {
    let parser = JSONParser()

    func testScalars() throws {
        XCTAssertEqual(try parser.parse("null"), .null)
        XCTAssertEqual(try parser.parse("true"), .bool(true))
        XCTAssertEqual(try parser.parse(" false "), .bool(false))
        XCTAssertEqual(try parser.parse("0"), .number("0"))
        XCTAssertEqual(try parser.parse("-12.5e+3"), .number("-12.5e+3"))
        XCTAssertEqual(try parser.parse("-12.5e+3").doubleValue, -12500)
        XCTAssertEqual(try parser.parse("42").intValue, 42)
        XCTAssertEqual(try parser.parse("\"hi\""), .string("hi"))
    }

    func testArraysAndObjectsKeepOrder() throws {
        let value = try parser.parse(#"{"b": [1, 2, {"c": null}], "a": "x"}"#)
        guard case .object(let members) = value else { return XCTFail("not an object") }
        XCTAssertEqual(members.map(\.key), ["b", "a"])
        XCTAssertEqual(value["a"], .string("x"))
        XCTAssertEqual(value["b"], .array([.number("1"), .number("2"), .object([JSONMember(key: "c", value: .null)])]))
        XCTAssertEqual(try parser.parse("[]"), .array([]))
        XCTAssertEqual(try parser.parse("{}"), .object([]))
        XCTAssertEqual(try parser.parse(" [ \"ftp://a\" ,\n\t\"ftp://b\" ]\r\n"),
                       .array([.string("ftp://a"), .string("ftp://b")]))
    }

    func testEscapes() throws {
        XCTAssertEqual(try parser.parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{08}\u{0C}\n\r\t"))
        XCTAssertEqual(try parser.parse(#""\u0041\u00e9\u20AC""#), .string("Aé€"))
        XCTAssertEqual(try parser.parse(#""\uD83D\uDE00""#), .string("😀"))
        XCTAssertEqual(try parser.parse("\"héllo 😀\""), .string("héllo 😀"))
        XCTAssertEqual(try parser.parse(#""\u0000""#), .string("\u{0}"))
    }

    func testBOMIsSkipped() throws {
        XCTAssertEqual(try parser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)), .array([.number("1")]))
    }

    func testErrorsCarryOffsetAndReason() {
        func check(_ text: String, offset: Int, _ reason: JSONParseError.Reason, line: UInt = #line) {
            XCTAssertThrowsError(try parser.parse(text), line: line) { error in
                XCTAssertEqual(error as? JSONParseError, JSONParseError(offset: offset, reason: reason), line: line)
            }
        }
        check("", offset: 0, .unexpectedEnd)
        check("[1,]", offset: 3, .unexpectedByte(UInt8(ascii: "]"), expected: "a JSON value"))
        check("[1 2]", offset: 3, .unexpectedByte(UInt8(ascii: "2"), expected: "',' or ']'"))
        check("[1] x", offset: 4, .trailingData)
        check("01", offset: 1, .invalidNumber)
        check("1.", offset: 2, .invalidNumber)
        check("-", offset: 1, .unexpectedEnd)
        check("1e", offset: 2, .invalidNumber)
        check("tru", offset: 3, .unexpectedEnd)
        check("nul1", offset: 3, .unexpectedByte(UInt8(ascii: "1"), expected: "'null'"))
        check("\"a\\x\"", offset: 2, .invalidEscape)
        check("\"\\u12G4\"", offset: 5, .invalidUnicodeEscape)
        check("\"\\uD800\"", offset: 7, .unpairedSurrogate)
        check("\"\\uDC00\"", offset: 7, .unpairedSurrogate)
        check("\"\\uD800\\u0041\"", offset: 13, .unpairedSurrogate)
        check("\"a\nb\"", offset: 2, .controlCharacterInString(0x0A))
        check("\"abc", offset: 4, .unexpectedEnd)
        check("{\"a\":1,\"a\":2}", offset: 7, .duplicateKey("a"))
        check("{1:2}", offset: 1, .unexpectedByte(UInt8(ascii: "1"), expected: "a string key"))
        check("{\"a\" 1}", offset: 5, .unexpectedByte(UInt8(ascii: "1"), expected: "':'"))
        check("['a']", offset: 1, .unexpectedByte(UInt8(ascii: "'"), expected: "a JSON value"))
        check("// c\n[]", offset: 0, .unexpectedByte(UInt8(ascii: "/"), expected: "a JSON value"))
        check("NaN", offset: 0, .unexpectedByte(UInt8(ascii: "N"), expected: "a JSON value"))
    }

    func testInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
                               [0x22, 0xE2, 0x82, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22]] {
            XCTAssertThrowsError(try parser.parse(bytes)) { error in
                XCTAssertEqual((error as? JSONParseError)?.reason, .invalidUTF8)
                XCTAssertEqual((error as? JSONParseError)?.offset, 1)
            }
        }
    }

    func testDepthLimit() throws {
        let shallow = JSONParser(maxDepth: 3)
        XCTAssertEqual(try shallow.parse("[[[]]]"), .array([.array([.array([])])]))
        XCTAssertThrowsError(try shallow.parse("[[[[]]]]")) { error in
            XCTAssertEqual((error as? JSONParseError)?.reason, .tooDeep(limit: 3))
        }
        // Hostile nesting must fail cleanly, not overflow the stack.
        let deep = String(repeating: "[", count: 100_000)
        XCTAssertThrowsError(try JSONParser().parse(deep)) { error in
            XCTAssertEqual((error as? JSONParseError)?.reason, .tooDeep(limit: 64))
        }
    }

    func testSizeLimit() {
        XCTAssertThrowsError(try JSONParser(maxBytes: 4).parse("[1,2]")) { error in
            XCTAssertEqual((error as? JSONParseError)?.reason, .documentTooLarge(size: 5, limit: 4))
        }
    }

    func testErrorDescription() {
        XCTAssertThrowsError(try parser.parse("[1,]")) { error in
            XCTAssertEqual(String(describing: error), "invalid JSON at byte 3: unexpected ']', expected a JSON value")
        }
        XCTAssertThrowsError(try parser.parse("\"\u{01}\"")) { error in
            XCTAssertEqual(String(describing: error),
                           "invalid JSON at byte 1: unescaped control character byte 0x01 in string")
        }
    }
}
