import XCTest
@testable import ProxyStore

final class DNSAnswerStoreTests: XCTestCase {
    func testAnswerKeptUntilItExpires() throws {
        let dir = TemporaryDirectory()
        var store = try SQLiteDNSAnswerStore(tablesDirectory: dir.path)
        XCTAssertNil(try store.answer(vhostID: 1, key: "SRV _ftp._tcp.x", now: 100))
        try store.setAnswer(vhostID: 1, key: "SRV _ftp._tcp.x", answer: "srv 1 2 3 4 a\n", expires: 130)
        store.close()
        store = try SQLiteDNSAnswerStore(tablesDirectory: dir.path)
        defer { store.close() }
        XCTAssertEqual(try store.answer(vhostID: 1, key: "SRV _ftp._tcp.x", now: 129), "srv 1 2 3 4 a\n")
        XCTAssertNil(try store.answer(vhostID: 1, key: "SRV _ftp._tcp.x", now: 130))
        XCTAssertNil(try store.answer(vhostID: 2, key: "SRV _ftp._tcp.x", now: 100))
        XCTAssertNil(try store.answer(vhostID: 1, key: "TXT _ftp._tcp.x", now: 100))
        try store.setAnswer(vhostID: 1, key: "SRV _ftp._tcp.x", answer: "", expires: 200)
        XCTAssertEqual(try store.answer(vhostID: 1, key: "SRV _ftp._tcp.x", now: 150), "")
    }

    func testHostileValues() throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteDNSAnswerStore(tablesDirectory: dir.path)
        defer { store.close() }
        XCTAssertDatastoreError(.invalidArgument, try store.setAnswer(vhostID: 1, key: "", answer: "x", expires: 1))
        let huge = String(repeating: "A", count: SQLiteDNSAnswerStore.maxAnswerLength + 1)
        XCTAssertDatastoreError(.invalidArgument, try store.setAnswer(vhostID: 1, key: "k", answer: huge, expires: 1))
        let nasty = "TXT x'); DROP TABLE proxy_dns_answers; --"
        try store.setAnswer(vhostID: 1, key: nasty, answer: "'\"\n", expires: 10)
        XCTAssertEqual(try store.answer(vhostID: 1, key: nasty, now: 0), "'\"\n")
    }
}
