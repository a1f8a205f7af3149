import Foundation
import ProxyCore
@testable import ProxyStore
import XCTest

final class BookkeepingTests: XCTestCase {
    private var dir: TemporaryDirectory!
    private var store: SQLiteReverseDatastore!
    private let a = "ftp://a:21", b = "ftp://b:21"

    override func setUpWithError() throws {
        dir = TemporaryDirectory()
        store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        try store.register(vhostID: 1, vhostName: "one", backends: [a, b])
    }

    override func tearDown() {
        store?.close()
        store = nil
        dir = nil
    }

    func testConnectAndDisconnectCount() throws {
        try store.recordConnected(vhostID: 1, url: b, connectMillis: 25)
        try store.recordConnected(vhostID: 1, url: b, connectMillis: 35)
        XCTAssertEqual(try store.backends(vhostID: 1), [
            BackendState(url: a),
            BackendState(url: b, connCount: 2, connectMillis: 35),
        ])
        try store.recordDisconnected(vhostID: 1, url: b)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connCount, 1)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connectMillis, 35, "disconnect keeps the last measurement")
    }

    func testBackendsFromFilesGetRowsWhenFirstUsed() throws {
        let fromFile = "ftp://per-user.example:2121"
        try store.recordConnected(vhostID: 1, url: fromFile, connectMillis: 3)
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.url), [a, b, fromFile])
        try store.recordDisconnected(vhostID: 1, url: fromFile)
        XCTAssertEqual(try store.backends(vhostID: 1)[2].connCount, 0)
    }

    func testConnCountNeverNegative() throws {
        try store.recordDisconnected(vhostID: 1, url: a)
        try store.recordDisconnected(vhostID: 1, url: a)
        XCTAssertEqual(try store.backends(vhostID: 1)[0].connCount, 0)
        try store.recordConnected(vhostID: 1, url: a, connectMillis: 0)
        XCTAssertEqual(try store.backends(vhostID: 1)[0].connCount, 1)
        // A negative count written by something else is repaired, not extended.
        try rawSQL(dir.databasePath, "UPDATE proxy_vhost_backends SET conn_count = -5 WHERE backend_uri = '\(b)'")
        try store.recordDisconnected(vhostID: 1, url: b)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connCount, 0)
        try rawSQL(dir.databasePath, "UPDATE proxy_vhost_backends SET conn_count = -5 WHERE backend_uri = '\(b)'")
        try store.recordConnected(vhostID: 1, url: b, connectMillis: 2)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].connCount, 1)
    }

    func testFailureHoldOffAndRecovery() throws {
        try store.recordFailure(vhostID: 1, url: b, until: 500)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].unhealthyUntil, 500)
        XCTAssertFalse(try store.backends(vhostID: 1)[1].isHealthy(at: 499))
        XCTAssertTrue(try store.backends(vhostID: 1)[1].isHealthy(at: 500))
        try store.recordConnected(vhostID: 1, url: b, connectMillis: 4)
        XCTAssertEqual(try store.backends(vhostID: 1)[1].unhealthyUntil, 0, "a success clears the hold-off")
    }

    func testUnknownBackendsAndBadValues() {
        XCTAssertDatastoreError(.unknownBackend, try store.recordDisconnected(vhostID: 9, url: a))
        XCTAssertDatastoreError(.unknownBackend, try store.recordDisconnected(vhostID: 1, url: "ftp://never:21"))
        XCTAssertDatastoreError(.invalidArgument, try store.recordConnected(vhostID: 1, url: "", connectMillis: 1))
        XCTAssertDatastoreError(.invalidArgument, try store.recordConnected(vhostID: 1, url: a, connectMillis: -1))
        XCTAssertDatastoreError(.invalidArgument, try store.recordFailure(vhostID: 1, url: "", until: 1))
    }

    func testStatePersistsAcrossReopen() throws {
        XCTAssertEqual(try store.claimRoundRobin(vhostID: 1, candidates: [a, b], now: 0), 0)
        try store.recordConnected(vhostID: 1, url: a, connectMillis: 12)
        try store.recordFailure(vhostID: 1, url: b, until: 99)
        try store.setStickyBackend(policy: .group, vhostID: 1, key: "staff", url: b)
        store.close()

        store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        XCTAssertEqual(try store.claimRoundRobin(vhostID: 1, candidates: [a, b], now: 100), 1)
        XCTAssertEqual(try store.backends(vhostID: 1), [
            BackendState(url: a, connCount: 1, connectMillis: 12),
            BackendState(url: b, unhealthyUntil: 99),
        ])
        XCTAssertEqual(try store.stickyBackend(policy: .group, vhostID: 1, key: "staff"), b)
    }

    func testUseAfterCloseIsTypedError() {
        store.close()
        XCTAssertDatastoreError(.closed, try store.claimRoundRobin(vhostID: 1, candidates: [a], now: 0))
        XCTAssertDatastoreError(.closed, try store.backends(vhostID: 1))
        store.close()  // twice is harmless
    }

    func testLockHeldTooLongGivesBusyWithinBound() throws {
        let impatient = try SQLiteReverseDatastore(tablesDirectory: dir.path, busyTimeout: 0.3)
        let holder = try SQLiteConnection(path: dir.databasePath, busyDeadline: 1)
        try holder.exec("BEGIN IMMEDIATE")
        let started = Date()
        let error = XCTAssertDatastoreError(.busy, try impatient.claimRoundRobin(vhostID: 1, candidates: [a, b], now: 0))
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, 0.25)
        XCTAssertLessThan(waited, 2.0)
        XCTAssertTrue(error?.detail.contains(dir.databasePath) ?? false, "\(String(describing: error))")
        // Readers are not blocked by a writer in WAL mode.
        XCTAssertEqual(try impatient.backends(vhostID: 1).count, 2)
        try holder.exec("ROLLBACK")
        XCTAssertEqual(try impatient.claimRoundRobin(vhostID: 1, candidates: [a, b], now: 0), 0)
    }
}
