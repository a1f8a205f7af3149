import XCTest
@testable import ProxyCore

/// Builds DNS responses byte by byte, as a hostile server could.
private struct DNSBuilder {
    var bytes: [UInt8] = []

    static func name(_ text: String) -> [UInt8] {
        text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }
    static func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func u32(_ v: UInt32) -> [UInt8] { u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) }

    /// A response with one question and `answers` (type, ttl, rdata).
    static func response(_ qname: String, qtype: UInt16, rcode: UInt16 = 0,
                         answers: [(UInt16, UInt32, [UInt8])]) -> [UInt8] {
        var b = u16(0x1234) + u16(0x8180 | rcode) + u16(1) + u16(UInt16(answers.count)) + u16(0) + u16(0)
        b += name(qname) + u16(qtype) + u16(1)
        for (type, ttl, rdata) in answers {
            b += [0xC0, 12] + u16(type) + u16(1) + u32(ttl) + u16(UInt16(rdata.count)) + rdata
        }
        return b
    }

    static func srv(_ priority: UInt16, _ weight: UInt16, _ port: UInt16, _ target: String) -> [UInt8] {
        u16(priority) + u16(weight) + u16(port) + name(target)
    }

    static func txt(_ strings: String...) -> [UInt8] {
        strings.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
    }
}

final class DNSMessageTests: XCTestCase {
    fileprivate typealias B = DNSBuilder

    func testSRVAnswer() throws {
        let bytes = B.response("_ftp._tcp.example.test", qtype: 33, answers: [
            (33, 300, B.srv(10, 5, 2121, "ftp1.example.test")),
            (33, 60, B.srv(20, 0, 21, "ftp2.example.test")),
        ])
        let message = try DNSMessage(parsing: bytes)
        XCTAssertEqual(message.responseCode, 0)
        XCTAssertEqual(message.answers.first?.name, "_ftp._tcp.example.test")
        XCTAssertEqual(try message.srvRecords(), [
            SRVRecord(priority: 10, weight: 5, port: 2121, target: "ftp1.example.test", ttl: 300),
            SRVRecord(priority: 20, weight: 0, port: 21, target: "ftp2.example.test", ttl: 60),
        ])
    }

    func testSRVTargetThroughCompressionPointerAndRoot() throws {
        // The target "example.test" points back at the question's suffix.
        let qname = "_ftp._tcp.example.test"
        let suffixOffset = 12 + 1 + 4 + 1 + 4   // header, "_ftp", "_tcp"
        let rdata = B.u16(1) + B.u16(1) + B.u16(21) + [3] + Array("ftp".utf8) + [0xC0, UInt8(suffixOffset)]
        let message = try DNSMessage(parsing: B.response(qname, qtype: 33, answers: [(33, 5, rdata),
                                                                                     (33, 5, B.srv(0, 0, 0, ""))]))
        let records = try message.srvRecords()
        XCTAssertEqual(records.map(\.target), ["ftp.example.test", ""])
    }

    func testTXTStringsAreJoined() throws {
        let bytes = B.response("example.test", qtype: 16, answers: [(16, 30, B.txt("ftp://ftp1.", "example.test:21")),
                                                                    (16, 30, B.txt("v=spf1 -all"))])
        let records = try DNSMessage(parsing: bytes).txtRecords()
        XCTAssertEqual(records.map(\.text), ["ftp://ftp1.example.test:21", "v=spf1 -all"])
    }

    func testRecordsOfOtherTypesAreIgnored() throws {
        let bytes = B.response("example.test", qtype: 16, answers: [(1, 30, [127, 0, 0, 1]), (16, 30, B.txt("x"))])
        let message = try DNSMessage(parsing: bytes)
        XCTAssertEqual(try message.srvRecords(), [])
        XCTAssertEqual(try message.txtRecords().count, 1)
    }

    func testResponseCodeIsReported() throws {
        XCTAssertEqual(try DNSMessage(parsing: B.response("x.test", qtype: 33, rcode: 3, answers: [])).responseCode, 3)
        XCTAssertEqual(try DNSMessage(parsing: B.response("x.test", qtype: 33, rcode: 2, answers: [])).responseCode, 2)
    }

    func testTTLWithTopBitCountsAsZero() throws {
        let bytes = B.response("x.test", qtype: 16, answers: [(16, 0x8000_0001, B.txt("a"))])
        XCTAssertEqual(try DNSMessage(parsing: bytes).txtRecords().first?.ttl, 0)
    }

    // MARK: hostile input

    func testEveryTruncationIsAnErrorNeverACrash() throws {
        let full = B.response("_ftp._tcp.example.test", qtype: 33, answers: [
            (33, 300, B.srv(10, 5, 2121, "ftp1.example.test")), (16, 1, B.txt("abc", "def")),
        ])
        XCTAssertNoThrow(try DNSMessage(parsing: full))
        for length in 0..<full.count {
            let prefix = Array(full.prefix(length))
            if let message = try? DNSMessage(parsing: prefix) {
                _ = try? message.srvRecords()
                _ = try? message.txtRecords()
                XCTFail("a message cut at \(length) of \(full.count) bytes parsed")
            }
        }
    }

    func testPointerLoopsAndForwardPointersAreRefused() {
        var bytes = B.u16(1) + B.u16(0x8180) + B.u16(1) + B.u16(0) + B.u16(0) + B.u16(0)
        bytes += [0xC0, 12] + B.u16(33) + B.u16(1)   // a name pointing at itself
        XCTAssertThrowsError(try DNSMessage(parsing: bytes)) { error in
            XCTAssertTrue("\(error)".contains("pointer"), "\(error)")
        }
        var forward = B.u16(1) + B.u16(0x8180) + B.u16(1) + B.u16(0) + B.u16(0) + B.u16(0)
        forward += [0xC0, 30] + B.u16(33) + B.u16(1) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        XCTAssertThrowsError(try DNSMessage(parsing: forward))
    }

    func testBadRecordDataIsAnError() throws {
        // An SRV record whose length says more than its fields.
        let longSRV = B.response("x.test", qtype: 33, answers: [(33, 5, B.srv(1, 1, 21, "a.test") + [0, 0])])
        XCTAssertThrowsError(try DNSMessage(parsing: longSRV).srvRecords())
        // A TXT string longer than the record.
        let longTXT = B.response("x.test", qtype: 16, answers: [(16, 5, [200] + Array("abc".utf8))])
        XCTAssertThrowsError(try DNSMessage(parsing: longTXT).txtRecords())
        // An SRV record too short for its fixed fields.
        let shortSRV = B.response("x.test", qtype: 33, answers: [(33, 5, [0, 1, 0])])
        XCTAssertThrowsError(try DNSMessage(parsing: shortSRV).srvRecords())
    }

    func testQueriesAndReservedLabelTypesAreRefused() {
        var query = B.response("x.test", qtype: 33, answers: [])
        query[2] &= 0x7F   // QR bit clear: a query, not a response
        XCTAssertThrowsError(try DNSMessage(parsing: query))
        var reserved = B.response("x.test", qtype: 33, answers: [])
        reserved[12] = 0x40   // label type 01
        XCTAssertThrowsError(try DNSMessage(parsing: reserved))
    }

    func testUnprintableLabelsAndOverlongNamesAreRefused() {
        let control = B.response("x.test", qtype: 33, answers: [(33, 5, B.u16(1) + B.u16(1) + B.u16(21) + [2, 0x0A, 0x41, 0])])
        XCTAssertThrowsError(try DNSMessage(parsing: control).srvRecords())
        let long = Array(repeating: String(repeating: "a", count: 63), count: 5).joined(separator: ".")
        XCTAssertThrowsError(try DNSMessage(parsing: B.response(long, qtype: 33, answers: [])))
    }

    func testRandomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<300, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 3 { bytes[2] |= 0x80 }
            if let message = try? DNSMessage(parsing: bytes) {
                _ = try? message.srvRecords()
                _ = try? message.txtRecords()
            }
        }
    }
}

final class SRVOrderTests: XCTestCase {
    private func record(_ priority: UInt16, _ weight: UInt16, _ target: String) -> SRVRecord {
        SRVRecord(priority: priority, weight: weight, port: 21, target: target, ttl: 60)
    }

    func testLowerPriorityAlwaysFirst() {
        let records = [record(20, 100, "c"), record(10, 1, "a"), record(30, 0, "d"), record(10, 1, "b")]
        for _ in 0..<50 {
            let order = SRVOrder.ordered(records).map(\.target)
            XCTAssertEqual(Set(order.prefix(2)), ["a", "b"])
            XCTAssertEqual(Array(order.suffix(2)), ["c", "d"])
        }
    }

    func testWeightedDrawFollowsTheRunningSum() {
        let records = [record(1, 0, "zero"), record(1, 10, "ten"), record(1, 90, "ninety")]
        // Draw 0 picks the weight-0 record (listed first, running sum 0).
        XCTAssertEqual(SRVOrder.ordered(records, random: { _ in 0 }).map(\.target), ["zero", "ten", "ninety"])
        // The top of the range picks the last record each time.
        XCTAssertEqual(SRVOrder.ordered(records, random: { $0 }).map(\.target), ["ninety", "ten", "zero"])
        // 11 is past "ten"'s running sum (10): "ninety".
        XCTAssertEqual(SRVOrder.ordered(records, random: { $0 == 100 ? 11 : 0 }).first?.target, "ninety")
    }

    func testHeavierTargetsComeFirstMoreOften() {
        let records = [record(1, 1, "light"), record(1, 99, "heavy")]
        let firsts = (0..<400).map { _ in SRVOrder.ordered(records).first!.target }
        XCTAssertGreaterThan(firsts.filter { $0 == "heavy" }.count, 300)
    }

    func testOutOfRangeRandomIsClamped() {
        let records = [record(1, 5, "a"), record(1, 5, "b")]
        XCTAssertEqual(SRVOrder.ordered(records, random: { _ in -7 }).count, 2)
        XCTAssertEqual(SRVOrder.ordered(records, random: { _ in 1_000 }).map(\.target), ["b", "a"])
    }
}

final class DNSAnswerTextTests: XCTestCase {
    func testRecordsRoundTrip() {
        let srv = [SRVRecord(priority: 10, weight: 5, port: 2121, target: "ftp1.example.test", ttl: 300),
                   SRVRecord(priority: 0, weight: 0, port: 0, target: "", ttl: 0)]
        XCTAssertEqual(DNSAnswerText.srvRecords(DNSAnswerText.encode(srv: srv)), srv)
        let txt = [TXTRecord(bytes: Array("ftp://a.test".utf8), ttl: 7), TXTRecord(bytes: [0, 0xFF, 0x0A], ttl: 1),
                   TXTRecord(bytes: [], ttl: 2)]
        XCTAssertEqual(DNSAnswerText.txtRecords(DNSAnswerText.encode(txt: txt)), txt)
        XCTAssertEqual(DNSAnswerText.srvRecords(""), [])
    }

    func testDamagedTextIsRefusedAsAWhole() {
        for bad in ["srv 1 2 3 4", "srv 1 2 3 4 a b", "srv 1 2 70000 4 a", "srv -1 2 3 4 a", "txt 1 2 3",
                    "srv 1 2 3 4 a\ngarbage", "srv 1 2 3 4 \u{7}bell", "srv 1 2 3 4 "] {
            XCTAssertNil(DNSAnswerText.srvRecords(bad), bad)
        }
        for bad in ["txt 1 abc", "txt 1 zz", "txt x 00", "srv 1 00", "txt 1 00 00", "txt 99999999999 00"] {
            XCTAssertNil(DNSAnswerText.txtRecords(bad), bad)
        }
    }
}

final class BackendURLRowsTests: XCTestCase {
    func testRowsAreValidatedLikeConfiguredURLs() {
        let result = BackendURLRows.parse(["ftp://a.test:2121", "  ftps://b.test  ", "", "junk", "gopher://c",
                                           "ftp+srv://_ftp._tcp.x.test", "ftp://a.test:99999"], allowDiscovery: true)
        XCTAssertEqual(result.urls.map(\.description), ["ftp://a.test:2121", "ftps://b.test:21", "ftp+srv://_ftp._tcp.x.test:21"])
        XCTAssertEqual(result.refused.count, 3)
        XCTAssertTrue(result.refused[0].contains("'junk'"), result.refused[0])
    }

    func testTXTRecordsMayNotChainDiscovery() {
        let result = BackendURLRows.parse(["ftp+txt://x.test", "ftps+srv://y.test", "ftp://z.test"], allowDiscovery: false)
        XCTAssertEqual(result.urls.map(\.description), ["ftp://z.test:21"])
        XCTAssertEqual(result.refused.count, 2)
    }

    func testSRVTargetsKeepSchemeAndCredentials() throws {
        let url = try BackendURL(parsing: "ftps+srv://bob:s%40cret@_ftp._tcp.x.test")
        let records = [SRVRecord(priority: 1, weight: 0, port: 2121, target: "a.x.test", ttl: 5),
                       SRVRecord(priority: 2, weight: 0, port: 0, target: "b.x.test", ttl: 5),
                       SRVRecord(priority: 3, weight: 0, port: 21, target: "", ttl: 5),
                       SRVRecord(priority: 4, weight: 0, port: 21, target: "bad_host!", ttl: 5)]
        let result = BackendURLRows.srvTargets(of: url, records)
        XCTAssertEqual(result.urls.count, 1)
        XCTAssertEqual(result.urls.first?.scheme, .ftps)
        XCTAssertEqual(result.urls.first?.hostPort, "a.x.test:2121")
        XCTAssertEqual(result.urls.first?.username, "bob")
        XCTAssertEqual(result.urls.first?.password, "s@cret")
        XCTAssertEqual(result.refused.count, 3, "\(result.refused)")
        XCTAssertTrue(result.refused.contains { $0.contains("'.'") })
    }
}
