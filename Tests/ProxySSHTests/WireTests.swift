@testable import ProxySSH
import XCTest

final class WireTests: XCTestCase {
    func testRoundTripOfEveryType() throws {
        var w = SSHWriter()
        w.byte(7)
        w.boolean(true)
        w.uint32(0xdead_beef)
        w.uint64(0x0102_0304_0506_0708)
        w.string("hello")
        w.nameList(["a", "b-c@d"])
        w.positiveMPInt([0x80, 0x01])
        w.positiveMPInt([0, 0, 0x12])
        var r = SSHReader(w.bytes)
        XCTAssertEqual(try r.byte(), 7)
        XCTAssertEqual(try r.boolean(), true)
        XCTAssertEqual(try r.uint32(), 0xdead_beef)
        XCTAssertEqual(try r.uint64(), 0x0102_0304_0506_0708)
        XCTAssertEqual(try r.text(), "hello")
        XCTAssertEqual(try r.nameList(), ["a", "b-c@d"])
        XCTAssertEqual(try r.positiveMPInt(), [0x80, 0x01])
        XCTAssertEqual(try r.positiveMPInt(), [0x12])
        XCTAssertTrue(r.isAtEnd)
    }

    func testMPIntEncodingFollowsRFC4251Examples() {
        var w = SSHWriter()
        w.positiveMPInt([])
        w.positiveMPInt([0x80])
        w.positiveMPInt(hex("09a378f9b2e332a7"))
        XCTAssertEqual(w.bytes, hex("00000000 00000002 0080 00000008 09a378f9b2e332a7"))
    }

    func testTruncatedFieldsNameWhatWasRead() {
        var r = SSHReader([0, 0, 1])
        XCTAssertThrowsError(try r.uint32("packet length")) {
            XCTAssertEqual("\($0)", "packet length: needs 4 bytes, 3 left")
        }
        var s = SSHReader([0, 0, 0, 9, 1, 2])
        XCTAssertThrowsError(try s.string("host key")) {
            XCTAssertEqual("\($0)", "host key: needs 9 bytes, 2 left")
        }
    }

    func testLengthsOverTheLimitOrTheBufferAreRefusedBeforeCopying() {
        var r = SSHReader([0xff, 0xff, 0xff, 0xff, 1])
        XCTAssertThrowsError(try r.string("signature", limit: 1024)) {
            XCTAssertTrue("\($0)".contains("over the limit"), "\($0)")
        }
        var big = SSHReader([0x7f, 0xff, 0xff, 0xff])
        XCTAssertThrowsError(try big.string("blob", limit: Int.max))
    }

    func testHostileMPInts() {
        var negative = SSHReader(hex("00000001 80"))
        XCTAssertThrowsError(try negative.positiveMPInt("f")) { XCTAssertEqual("\($0)", "f: is negative") }
        var padded = SSHReader(hex("00000002 0001"))
        XCTAssertThrowsError(try padded.positiveMPInt("f")) { XCTAssertTrue("\($0)".contains("leading zero")) }
        var huge = SSHWriter()
        huge.positiveMPInt([UInt8](repeating: 0x7f, count: 1100))
        var r = SSHReader(huge.bytes)
        XCTAssertThrowsError(try r.positiveMPInt("f", maxBits: 8192))
    }

    func testBadNameLists() {
        for bad in ["a,,b", ",a", "a,", "a b", "caf\u{e9}"] {
            var w = SSHWriter()
            w.string(bad)
            var r = SSHReader(w.bytes)
            XCTAssertThrowsError(try r.nameList("kex_algorithms"), bad)
        }
        var w = SSHWriter()
        w.string("")
        var r = SSHReader(w.bytes)
        XCTAssertEqual(try r.nameList(), [])
    }

    func testTextMustBeUTF8() {
        var r = SSHReader(hex("00000002 c328"))
        XCTAssertThrowsError(try r.text("description"))
    }

    func testBase64WithoutPaddingMatchesRFC4648() {
        let cases = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in cases {
            XCTAssertEqual(Base64.encodeUnpadded(Array(plain.utf8)), encoded)
        }
    }
}
