import ProxyCore
import XCTest

final class PreSharedKeyFileTests: XCTestCase {
    private func decode(_ text: String) throws -> [UInt8] { try PreSharedKeyFile.decode(Array(text.utf8)) }

    func testDecodesHexWithWhitespace() throws {
        let hex = String(repeating: "0a", count: 20)
        XCTAssertEqual(try decode(hex + "\n"), [UInt8](repeating: 10, count: 20))
        XCTAssertEqual(try decode("  " + String(repeating: "Ff", count: 32) + " \r\n"), [UInt8](repeating: 255, count: 32))
    }

    func testRefusesBadKeys() {
        XCTAssertThrowsError(try decode(""))
        XCTAssertThrowsError(try decode(String(repeating: "ab", count: 19)), "too short")
        XCTAssertThrowsError(try decode(String(repeating: "ab", count: 20) + "a"), "odd")
        XCTAssertThrowsError(try decode(String(repeating: "zz", count: 20)), "not hex")
        XCTAssertThrowsError(try decode(String(repeating: "ab", count: 513)), "too long")
        XCTAssertThrowsError(try decode(String(repeating: "ab", count: 19) + "a\u{0}"))
    }
}
