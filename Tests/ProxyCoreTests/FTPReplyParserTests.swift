import XCTest
@testable import ProxyCore

final class FTPReplyParserTests: XCTestCase {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testSingleLineReply() throws {
        var parser = FTPReplyParser()
        let replies = try parser.feed(bytes("220 ProFTPD Server ready.\r\n"))
        XCTAssertEqual(replies.count, 1)
        XCTAssertEqual(replies[0].code, 220)
        XCTAssertEqual(replies[0].lines, ["220 ProFTPD Server ready."])
        XCTAssertFalse(replies[0].isMultiline)
        XCTAssertEqual(replies[0].messageLines, ["ProFTPD Server ready."])
        XCTAssertEqual(replies[0].wireBytes(), bytes("220 ProFTPD Server ready.\r\n"))
        XCTAssertFalse(parser.hasPartialReply)
    }

    func testMultiLineWithOtherCodesInside() throws {
        var parser = FTPReplyParser()
        let text = "211-Features:\r\n MDTM\r\n200 not the end\r\n211-still not\r\n211End without space\r\n211 End\r\n"
        let replies = try parser.feed(bytes(text))
        XCTAssertEqual(replies.count, 1)
        XCTAssertEqual(replies[0].code, 211)
        XCTAssertTrue(replies[0].isMultiline)
        XCTAssertEqual(replies[0].lines, ["211-Features:", " MDTM", "200 not the end", "211-still not",
                                          "211End without space", "211 End"])
        XCTAssertEqual(replies[0].wireBytes(), bytes(text))
        XCTAssertEqual(replies[0].messageLines.first, "Features:")
        XCTAssertEqual(replies[0].messageLines.last, "End")
    }

    func testIncrementalByteByByteAndBareLF() throws {
        var parser = FTPReplyParser()
        let text = "230-Welcome\n230-more\r\n230 Done\n331 Password\r\n"
        var replies: [FTPReply] = []
        for byte in bytes(text) {
            replies += try parser.feed([byte][...])
        }
        XCTAssertEqual(replies.map(\.code), [230, 331])
        XCTAssertEqual(replies[0].lines, ["230-Welcome", "230-more", "230 Done"])
        XCTAssertEqual(replies[1].lines, ["331 Password"])
        XCTAssertEqual(replies[0].wireBytes(), bytes("230-Welcome\r\n230-more\r\n230 Done\r\n"))
    }

    func testPartialReplyIsBuffered() throws {
        var parser = FTPReplyParser()
        XCTAssertEqual(try parser.feed(bytes("150-Opening")).count, 0)
        XCTAssertTrue(parser.hasPartialReply)
        XCTAssertEqual(try parser.feed(bytes("\r\n")).count, 0)
        XCTAssertTrue(parser.hasPartialReply)
        let replies = try parser.feed(bytes("150 ok\r\n226 Transfer"))
        XCTAssertEqual(replies.map(\.code), [150])
        XCTAssertTrue(parser.hasPartialReply)
        XCTAssertEqual(try parser.feed(bytes(" complete\r\n")).map(\.code), [226])
    }

    func testSliceWithNonZeroStartIndex() throws {
        var parser = FTPReplyParser()
        let buffer = bytes("xxxx200 OK\r\n")
        XCTAssertEqual(try parser.feed(buffer[4...]).first?.lines, ["200 OK"])
    }

    func testNonUTF8BytesRoundTrip() throws {
        var parser = FTPReplyParser()
        let raw: [UInt8] = bytes("250 file ") + [0xE9, 0xFF] + bytes("\r\n")
        let reply = try XCTUnwrap(try parser.feed(raw).first)
        XCTAssertEqual(reply.wireBytes(), raw)
    }

    func testInvalidFirstLines() {
        for line in ["hello\r\n", "20 short\r\n", "2000 long\r\n", "099 low\r\n", "600 high\r\n", "200\r\n",
                     "200x\r\n", "\r\n", "abc def\r\n", " 200 x\r\n", "-200 x\r\n"] {
            var parser = FTPReplyParser()
            XCTAssertThrowsError(try parser.feed(bytes(line)), line.debugDescription) { error in
                guard case .invalidReplyLine = error as? FTPReplyError else { return XCTFail("\(error)") }
            }
        }
    }

    func testInvalidLineIsEscapedAndTruncated() {
        var parser = FTPReplyParser()
        let hostile = "\u{1B}[31mEVIL" + String(repeating: "A", count: 500) + "\r\n"
        XCTAssertThrowsError(try parser.feed(bytes(hostile))) { error in
            guard case .invalidReplyLine(let shown) = error as? FTPReplyError else { return XCTFail("\(error)") }
            XCTAssertTrue(shown.hasPrefix("\\x1B[31mEVIL"), shown)
            XCTAssertLessThan(shown.count, 100)
            XCTAssertFalse(shown.contains("\u{1B}"))
        }
    }

    func testLineTooLongEvenWithoutNewline() {
        var parser = FTPReplyParser(maxLineLength: 16)
        XCTAssertNoThrow(try parser.feed(bytes("200 0123456789ab\r\n")))
        XCTAssertThrowsError(try parser.feed(bytes("200 0123456789abcdef"))) { error in
            XCTAssertEqual(error as? FTPReplyError, .lineTooLong(limit: 16))
        }
        // The parser stays failed.
        XCTAssertThrowsError(try parser.feed(bytes("200 ok\r\n"))) { error in
            XCTAssertEqual(error as? FTPReplyError, .lineTooLong(limit: 16))
        }
    }

    func testHugeUnterminatedInputIsBounded() {
        var parser = FTPReplyParser()
        let flood = [UInt8](repeating: UInt8(ascii: "2"), count: 1_000_000)
        XCTAssertThrowsError(try parser.feed(flood[...])) { error in
            XCTAssertEqual(error as? FTPReplyError, .lineTooLong(limit: 8192))
        }
    }

    func testTooManyLines() {
        var parser = FTPReplyParser(maxLines: 3)
        XCTAssertThrowsError(try parser.feed(bytes("211-a\r\nb\r\nc\r\nd\r\n211 end\r\n"))) { error in
            XCTAssertEqual(error as? FTPReplyError, .tooManyLines(limit: 3))
        }
        var ok = FTPReplyParser(maxLines: 3)
        XCTAssertEqual(try ok.feed(bytes("211-a\r\nb\r\n211 end\r\n")).first?.lines.count, 3)
    }

    func testReplySizeLimitCountsWireBytes() throws {
        // "211-a\r\n" (7) + "bb\r\n" (4) + "211 end\r\n" (9) = 20 bytes on the wire.
        let text = "211-a\r\nbb\r\n211 end\r\n"
        var exact = FTPReplyParser(maxLineLength: 8, maxReplyBytes: 20)
        XCTAssertEqual(try exact.feed(bytes(text)).first?.lines, ["211-a", "bb", "211 end"])
        var over = FTPReplyParser(maxLineLength: 8, maxReplyBytes: 19)
        XCTAssertThrowsError(try over.feed(bytes(text))) { error in
            XCTAssertEqual(error as? FTPReplyError, .replyTooLarge(limit: 19))
        }
        // The parser stays failed, even for a reply that would fit.
        XCTAssertThrowsError(try over.feed(bytes("200 ok\r\n"))) { error in
            XCTAssertEqual(error as? FTPReplyError, .replyTooLarge(limit: 19))
        }
        // The count starts again with each reply.
        var many = FTPReplyParser(maxLineLength: 8, maxReplyBytes: 20)
        XCTAssertEqual(try many.feed(bytes(text + text + text)).count, 3)
    }

    func testSizeLimitIsAtLeastOneFullLine() {
        let parser = FTPReplyParser(maxLineLength: 100, maxReplyBytes: 1)
        XCTAssertEqual(parser.maxReplyBytes, 102)
    }

    /// A backend that never ends its multi-line reply: the parser gives up
    /// after the default 1 MiB, whatever the chunking.
    func testEndlessMultilineReplyIsBoundedByDefault() {
        var parser = FTPReplyParser()
        XCTAssertEqual(try parser.feed(bytes("213-Status follows:\r\n")).count, 0)
        let line = bytes(String(repeating: "x", count: 998) + "\r\n")   // 1000 bytes
        var chunk: [UInt8] = []
        for _ in 0..<37 { chunk += line }                              // odd size: lines split across feeds
        var fed = 0
        var caught: Error?
        while caught == nil && fed < 50 << 20 {
            do { _ = try parser.feed(chunk); fed += chunk.count } catch { caught = error }
        }
        XCTAssertEqual(caught as? FTPReplyError, .replyTooLarge(limit: 1 << 20))
        XCTAssertLessThanOrEqual(fed, FTPReplyParser.defaultMaxReplyBytes)
    }

    /// Many tiny lines hit the line cap long before the byte cap (each line
    /// costs an allocation, so their number is bounded separately).
    func testEndlessEmptyLinesHitTheLineCap() {
        var parser = FTPReplyParser()
        let flood = bytes("211-x\r\n") + Array(repeating: bytes("\r\n"), count: 20_000).flatMap { $0 }
        XCTAssertThrowsError(try parser.feed(flood[...])) { error in
            XCTAssertEqual(error as? FTPReplyError, .tooManyLines(limit: FTPReplyParser.defaultMaxLines))
        }
    }

    /// Lines that look like other replies, or like the end with the wrong
    /// code, never end the reply and count towards the limits.
    func testLookalikeEndLinesCountTowardsTheLimits() {
        var parser = FTPReplyParser(maxLineLength: 64, maxReplyBytes: 4096)
        var hostile: [UInt8] = bytes("250-begin\r\n")
        for i in 0..<1000 { hostile += bytes(i % 2 == 0 ? "251 not mine\r\n" : "250-again\r\n") }
        XCTAssertThrowsError(try parser.feed(hostile)) { error in
            XCTAssertEqual(error as? FTPReplyError, .replyTooLarge(limit: 4096))
        }
    }

    func testLargeLegitimateStatListingPasses() throws {
        // STAT of a directory with 10000 entries, about 700 KB.
        var text = "213-status of /big:\r\n"
        for i in 0..<10_000 {
            text += "-rw-r--r--   1 ftp      ftp        123456 Jan 01 12:00 file-\(i).dat\r\n"
        }
        text += "213 End of status\r\n"
        var parser = FTPReplyParser()
        let replies = try parser.feed(bytes(text))
        XCTAssertEqual(replies.count, 1)
        XCTAssertEqual(replies[0].lineBytes.count, 10_002)
    }

    func testBuildingReplies() throws {
        let single = try FTPReply(code: 530, message: "Login incorrect.")
        XCTAssertEqual(single.wireBytes(), bytes("530 Login incorrect.\r\n"))

        let multi = try FTPReply(code: 211, messages: ["Features:", "211 sneaky", " SIZE", "End"])
        XCTAssertEqual(String(decoding: multi.wireBytes(), as: UTF8.self),
                       "211-Features:\r\n 211 sneaky\r\n SIZE\r\n211 End\r\n")
        var parser = FTPReplyParser()
        XCTAssertEqual(try parser.feed(multi.wireBytes()), [multi])

        let injected = try FTPReply(code: 200, message: "ok\r\n230 fake")
        XCTAssertEqual(injected.wireBytes(), bytes("200 ok  230 fake\r\n"))
        XCTAssertThrowsError(try FTPReply(code: 99, message: "x"))
        XCTAssertThrowsError(try FTPReply(code: 600, message: "x"))
    }

    func testReplyClassHelpers() throws {
        XCTAssertTrue(try FTPReply(code: 150, message: "").isPositivePreliminary)
        XCTAssertTrue(try FTPReply(code: 226, message: "").isPositiveCompletion)
        XCTAssertTrue(try FTPReply(code: 331, message: "").isPositiveIntermediate)
        XCTAssertTrue(try FTPReply(code: 421, message: "").isTransientNegative)
        XCTAssertTrue(try FTPReply(code: 550, message: "").isPermanentNegative)
    }
}
