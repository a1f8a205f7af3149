import XCTest
@testable import ProxyCore

/// What decides whether the client's control input can be read during a
/// transfer without waiting: whole command lines, whole TLS records.
final class ControlInputScanTests: XCTestCase {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: - command lines (CRLF only, as ProFTPD 1.3.8 reads them)

    func testCommandLineEndsOnlyAtCRLF() {
        XCTAssertTrue(CommandLineScan.containsCompleteLine(bytes("NOOP\r\n")))
        XCTAssertTrue(CommandLineScan.containsCompleteLine(bytes("\r\n")))
        XCTAssertTrue(CommandLineScan.containsCompleteLine(bytes("NO\nOP\r\nST")))
        XCTAssertFalse(CommandLineScan.containsCompleteLine(bytes("NO")))
        XCTAssertFalse(CommandLineScan.containsCompleteLine(bytes("NOOP\n")))      // bare LF is data
        XCTAssertFalse(CommandLineScan.containsCompleteLine(bytes("NOOP\r")))
        XCTAssertFalse(CommandLineScan.containsCompleteLine(bytes("\n\r")))
        XCTAssertFalse(CommandLineScan.containsCompleteLine([]))
        XCTAssertFalse(CommandLineScan.containsCompleteLine([0x0A]))
    }

    func testTelnetAbortSequenceWithLine() {
        // IAC IP IAC DM "ABOR" CRLF, as BSD ftp sends it.
        XCTAssertTrue(CommandLineScan.containsCompleteLine([0xFF, 0xF4, 0xFF, 0xF2] + bytes("ABOR\r\n")))
        XCTAssertFalse(CommandLineScan.containsCompleteLine([0xFF, 0xF4, 0xFF, 0xF2] + bytes("ABOR")))
    }

    func testLongGarbageWithoutLineEnd() {
        var junk = [UInt8](repeating: 0x0D, count: 100_000)   // CRs only
        junk += Array(repeating: 0x0A, count: 10)
        junk[99_999] = 0x41                                   // no CR right before an LF
        XCTAssertFalse(CommandLineScan.containsCompleteLine(junk))
        junk[99_999] = 0x0D
        XCTAssertTrue(CommandLineScan.containsCompleteLine(junk))
    }

    // MARK: - TLS records

    func record(_ type: UInt8, _ payload: Int, version: (UInt8, UInt8) = (3, 3)) -> [UInt8] {
        [type, version.0, version.1, UInt8(payload >> 8), UInt8(payload & 0xFF)] + Array(repeating: 0xAB, count: payload)
    }

    func testWholeApplicationRecordIsComplete() {
        XCTAssertEqual(TLSRecordScan.scan(record(23, 40)), .complete)
        XCTAssertEqual(TLSRecordScan.scan(record(23, 0)), .complete)
        XCTAssertEqual(TLSRecordScan.scan(record(23, 40) + record(23, 10)[0..<3]), .complete)
    }

    func testRecordStillArriving() {
        let full = record(23, 40)
        for cut in 0..<full.count {
            XCTAssertEqual(TLSRecordScan.scan(Array(full[0..<cut])), .incomplete, "cut at \(cut)")
        }
    }

    func testOnlyWholeNonDataRecordsMeansWait() {
        // a handshake message and a change_cipher_spec, then nothing readable yet
        XCTAssertEqual(TLSRecordScan.scan(record(22, 100) + record(20, 1)), .incomplete)
        XCTAssertEqual(TLSRecordScan.scan(record(22, 100) + record(20, 1) + record(23, 5)), .complete)
        XCTAssertEqual(TLSRecordScan.scan(record(22, 100) + record(23, 50)[0..<20]), .incomplete)
    }

    func testAlertEndsTheRead() {
        XCTAssertEqual(TLSRecordScan.scan(record(21, 2)), .complete)
    }

    func testNotTLSIsMalformed() {
        XCTAssertEqual(TLSRecordScan.scan(bytes("NOOP\r\n")), .malformed)
        XCTAssertEqual(TLSRecordScan.scan(record(99, 4)), .malformed)
        XCTAssertEqual(TLSRecordScan.scan(record(23, 4, version: (2, 0))), .malformed)
        // A length over 2^14 + 2048 (OpenSSL refuses it before reading it).
        XCTAssertEqual(TLSRecordScan.scan([23, 3, 3, 0xFF, 0xFF]), .malformed)
        XCTAssertEqual(TLSRecordScan.scan(record(22, 10) + [23, 3, 3, 0x48, 0x01]), .malformed)
    }

    func testLargestRecordAndSlices() {
        let big = record(23, TLSRecordScan.maxRecordLength)
        XCTAssertEqual(TLSRecordScan.scan(big), .complete)
        XCTAssertEqual(TLSRecordScan.scan(big.dropLast()), .incomplete)
        let framed = [0, 0, 0] + record(23, 3)
        XCTAssertEqual(TLSRecordScan.scan(framed[3...]), .complete)
    }

    func testRandomGarbageNeverTraps() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<64, using: &rng)
            let junk = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = TLSRecordScan.scan(junk)
            _ = CommandLineScan.containsCompleteLine(junk)
        }
    }
}
