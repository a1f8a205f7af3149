import XCTest
@testable import ProxyCore

final class DurationParserTests: XCTestCase {
    func testPlainSeconds() throws {
        XCTAssertEqual(try parseDuration("0"), 0)
        XCTAssertEqual(try parseDuration("5"), 5)
        XCTAssertEqual(try parseDuration("300"), 300)
    }

    func testSuffixedUnitsAnyCase() throws {
        let cases: [(String, Int)] = [
            ("5s", 5), ("5sec", 5), ("5secs", 5), ("5S", 5), ("5SEC", 5), ("5Secs", 5),
            ("2m", 120), ("2min", 120), ("2mins", 120), ("2M", 120), ("2MIN", 120),
            ("1h", 3600), ("1hr", 3600), ("1hrs", 3600), ("1H", 3600), ("3HR", 10800),
            ("1sec", 1), ("3sec", 3), ("0s", 0),
        ]
        for (text, seconds) in cases {
            XCTAssertEqual(try parseDuration(text), seconds, text)
        }
    }

    func testClockFormat() throws {
        XCTAssertEqual(try parseDuration("01:00:00"), 3600)
        XCTAssertEqual(try parseDuration("00:01:30"), 90)
        XCTAssertEqual(try parseDuration("1:2:3"), 3723)
        XCTAssertEqual(try parseDuration("99:99:99"), 99 * 3600 + 99 * 60 + 99)
    }

    func testRejectsGarbage() {
        for text in ["", "abc", "5 parsecs", "5parsecs", " 5", "5 ", "5x", "s", "sec", "1.5", "1e3", "+5",
                     "5ss", "5secss", "5hours", "0x10", "1:2", "1:2:3:4", "100:00:00", "1::3", "a:b:c",
                     "-1:00:00", "5\n", "٥"] {
            XCTAssertThrowsError(try parseDuration(text), "accepted '\(text)'")
        }
    }

    func testRejectsNegativeWithReason() {
        XCTAssertThrowsError(try parseDuration("-5")) { error in
            XCTAssertEqual((error as? DurationError)?.description,
                           "invalid duration '-5': negative durations are not allowed")
        }
    }

    func testRejectsOverflow() {
        XCTAssertThrowsError(try parseDuration("99999999999999999999999"))
        XCTAssertThrowsError(try parseDuration("2147483648"))
        XCTAssertEqual(try parseDuration("2147483647"), 2147483647)
        XCTAssertThrowsError(try parseDuration("600000h"))
        XCTAssertThrowsError(try parseDuration("99999999m"))
    }

    func testErrorNamesValueAndUnit() {
        XCTAssertThrowsError(try parseDuration("5 parsecs")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix("invalid duration '5 parsecs'"), text)
            XCTAssertTrue(text.contains("unknown unit ' parsecs'"), text)
        }
    }

    func testControlCharactersEscapedInMessage() {
        XCTAssertThrowsError(try parseDuration("5\r\nQUIT")) { error in
            XCTAssertFalse(String(describing: error).contains("\r"))
            XCTAssertTrue(String(describing: error).contains("\\r\\n"))
        }
    }

    func testTimeoutDuration() throws {
        XCTAssertEqual(try TimeoutDuration(parsing: "2min").seconds, 120)
        XCTAssertTrue(TimeoutDuration.none.isNone)
        XCTAssertEqual(TimeoutDuration(seconds: 5).description, "5s")
        XCTAssertEqual(TimeoutDuration(seconds: -3).seconds, 0)
        XCTAssertLessThan(TimeoutDuration(seconds: 1), TimeoutDuration(seconds: 2))
    }
}
