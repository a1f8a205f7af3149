@testable import ProxyStore
import XCTest

final class BookkeepingTests: XCTestCase {
    private var dir: TemporaryDirectory!
    private var store: SQLiteReverseDatastore!

    override func setUpWithError() throws {
        dir = TemporaryDirectory()
        store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        try store.prepare(vhostID: 1, vhostName: "one", backends: ["ftp://a:21", "ftp://b:21"])
    }

    override func tearDown() {
        store?.close()
        store = nil
        dir = nil
    }

    func testConnectAndDisconnectCount() throws {
        try store.recordConnected(vhostID: 1, index: 1, connectMillis: 25)
        try store.recordConnected(vhostID: 1, index: 1, connectMillis: 35)
        XCTAssertEqual(try store.backends(vhostID: 1), [
            ReverseBackendState(index: 0, url: "ftp://a:21"),
            ReverseBackendState(index: 1, url: "ftp://b:21", connCount: 2, connectMillis: 35),
        ])
        try store.recordDisconnected(vhostID: 1, index: 1)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connCount, 1)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connectMillis, 35, "disconnect keeps the last measurement")
    }

    func testConnCountNeverNegative() throws {
        try store.recordDisconnected(vhostID: 1, index: 0)
        try store.recordDisconnected(vhostID: 1, index: 0)
        XCTAssertEqual(try store.backends(vhostID: 1)[0].connCount, 0)
        try store.recordConnected(vhostID: 1, index: 0, connectMillis: 0)
        XCTAssertEqual(try store.backends(vhostID: 1)[0].connCount, 1)
        // A negative count written by something else is repaired, not extended.
        try rawSQL(dir.databasePath, "UPDATE proxy_vhost_backends SET conn_count = -5 WHERE backend_id = 1")
        try store.recordDisconnected(vhostID: 1, index: 1)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connCount, 0)
        try rawSQL(dir.databasePath, "UPDATE proxy_vhost_backends SET conn_count = -5 WHERE backend_id = 1")
        try store.recordConnected(vhostID: 1, index: 1, connectMillis: 2)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connCount, 1)
    }

    func testUnknownBackendsAndBadValues() {
        XCTAssertDatastoreError(.unknownBackend, try store.recordConnected(vhostID: 1, index: 2, connectMillis: 1))
        XCTAssertDatastoreError(.unknownBackend, try store.recordDisconnected(vhostID: 9, index: 0))
        XCTAssertDatastoreError(.unknownBackend, try store.setHealthy(vhostID: 1, index: 7, healthy: false))
        XCTAssertDatastoreError(.invalidArgument, try store.recordConnected(vhostID: 1, index: -1, connectMillis: 1))
        XCTAssertDatastoreError(.invalidArgument, try store.recordConnected(vhostID: 1, index: 0, connectMillis: -1))
        XCTAssertDatastoreError(.invalidArgument, try store.recordDisconnected(vhostID: 1, index: Int.min))
    }

    func testStatePersistsAcrossReopen() throws {
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 2), 0)
        try store.recordConnected(vhostID: 1, index: 0, connectMillis: 12)
        try store.setHealthy(vhostID: 1, index: 1, healthy: false)
        try store.setStickyBackend(policy: .group, vhostID: 1, key: "staff", url: "ftp://b:21")
        store.close()

        store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 2), 1)
        XCTAssertEqual(try store.backends(vhostID: 1), [
            ReverseBackendState(index: 0, url: "ftp://a:21", connCount: 1, connectMillis: 12),
            ReverseBackendState(index: 1, url: "ftp://b:21", healthy: false),
        ])
        XCTAssertEqual(try store.stickyBackend(policy: .group, vhostID: 1, key: "staff"), "ftp://b:21")
    }

    func testUseAfterCloseIsTypedError() {
        store.close()
        XCTAssertDatastoreError(.closed, try store.nextRoundRobin(vhostID: 1, count: 2))
        XCTAssertDatastoreError(.closed, try store.backends(vhostID: 1))
        store.close()  // twice is harmless
    }

    func testLockHeldTooLongGivesBusyWithinBound() throws {
        let impatient = try SQLiteReverseDatastore(tablesDirectory: dir.path, busyTimeout: 0.3)
        let holder = try SQLiteConnection(path: dir.databasePath, busyDeadline: 1)
        try holder.exec("BEGIN IMMEDIATE")
        let started = Date()
        let error = XCTAssertDatastoreError(.busy, try impatient.nextRoundRobin(vhostID: 1, count: 2))
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, 0.25)
        XCTAssertLessThan(waited, 2.0)
        XCTAssertTrue(error?.detail.contains(dir.databasePath) ?? false, "\(String(describing: error))")
        // Readers are not blocked by a writer in WAL mode.
        XCTAssertEqual(try impatient.backends(vhostID: 1).count, 2)
        try holder.exec("ROLLBACK")
        XCTAssertEqual(try impatient.nextRoundRobin(vhostID: 1, count: 2), 0)
    }

    func testRankingRules() {
        let states = [
            ReverseBackendState(index: 0, url: "a", connCount: Int.max, connectMillis: Int.max),
            ReverseBackendState(index: 1, url: "b", connCount: -4, connectMillis: 50),
            ReverseBackendState(index: 2, url: "c", connCount: 0, connectMillis: 20),
        ]
        XCTAssertEqual(BackendRanking.leastConnections(states)?.index, 1, "negative counts as 0, lower index wins")
        XCTAssertEqual(BackendRanking.leastResponseTime(states)?.index, 2, "equal score 0: faster connect wins")
        XCTAssertNil(BackendRanking.leastConnections([]))
        XCTAssertNil(BackendRanking.leastResponseTime([]))
    }
}
