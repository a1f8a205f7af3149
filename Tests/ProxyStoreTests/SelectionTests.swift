@testable import ProxyStore
import XCTest

final class SelectionTests: XCTestCase {
    private var dir: TemporaryDirectory!
    private var store: SQLiteReverseDatastore!
    private let urls = ["ftp://a.example:21", "ftp://b.example:21", "ftp://c.example:21"]

    override func setUpWithError() throws {
        dir = TemporaryDirectory()
        store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        XCTAssertTrue(try store.prepare(vhostID: 1, vhostName: "one", backends: urls))
    }

    override func tearDown() {
        store?.close()
        store = nil
        dir = nil
    }

    // MARK: Round robin

    func testRoundRobinCycles() throws {
        let picks = try (0..<7).map { _ in try store.nextRoundRobin(vhostID: 1, count: 3) }
        XCTAssertEqual(picks, [0, 1, 2, 0, 1, 2, 0])
    }

    func testRoundRobinIsPerVhost() throws {
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 3), 0)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 3), 1)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 2, count: 2), 0)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 3), 2)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 2, count: 2), 1)
    }

    func testRoundRobinWrapsWhenCountShrinks() throws {
        _ = try store.nextRoundRobin(vhostID: 1, count: 3)
        _ = try store.nextRoundRobin(vhostID: 1, count: 3)  // last = 1
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 2), 0)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 1), 0)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 1), 0)
    }

    func testRoundRobinSurvivesHostileStoredCursor() throws {
        try rawSQL(dir.databasePath,
                   "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (5, -9223372036854775808)",
                   "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (6, 9223372036854775807)",
                   "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (7, 'junk')")
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 5, count: 3), 0)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 6, count: 3), 0)
        // Text where an integer belongs reads as 0, the last index handed out.
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 7, count: 3), 1)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 7, count: 3), 2)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: Int.max), 0)
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: Int.max), 1)
    }

    func testRoundRobinRejectsEmptyCount() {
        XCTAssertDatastoreError(.invalidArgument, try store.nextRoundRobin(vhostID: 1, count: 0))
        XCTAssertDatastoreError(.invalidArgument, try store.nextRoundRobin(vhostID: 1, count: -3))
    }

    // MARK: prepare

    func testPrepareWithChangedListResetsState() throws {
        _ = try store.nextRoundRobin(vhostID: 1, count: 3)
        _ = try store.nextRoundRobin(vhostID: 1, count: 3)
        try store.recordConnected(vhostID: 1, index: 1, connectMillis: 40)
        try store.setHealthy(vhostID: 1, index: 2, healthy: false)
        _ = try store.nextShuffle(vhostID: 1, count: 3) { _ in 0 }
        try store.setStickyBackend(policy: .user, vhostID: 1, key: "alice", url: urls[1])
        try store.setStickyBackend(policy: .user, vhostID: 2, key: "alice", url: "ftp://other:21")

        let changed = ["ftp://a.example:21", "ftp://d.example:21"]
        XCTAssertTrue(try store.prepare(vhostID: 1, vhostName: "one", backends: changed))

        XCTAssertEqual(try store.backends(vhostID: 1), [
            ReverseBackendState(index: 0, url: changed[0]),
            ReverseBackendState(index: 1, url: changed[1]),
        ])
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 2), 0)
        XCTAssertEqual(try store.nextShuffle(vhostID: 1, count: 2) { _ in 0 }, 0, "fresh shuffle cycle")
        XCTAssertNil(try store.stickyBackend(policy: .user, vhostID: 1, key: "alice"))
        XCTAssertEqual(try store.stickyBackend(policy: .user, vhostID: 2, key: "alice"), "ftp://other:21",
                       "other vhosts keep their state")
    }

    func testPrepareWithSameListKeepsState() throws {
        _ = try store.nextRoundRobin(vhostID: 1, count: 3)
        try store.recordConnected(vhostID: 1, index: 2, connectMillis: 15)
        XCTAssertFalse(try store.prepare(vhostID: 1, vhostName: "renamed", backends: urls))
        XCTAssertEqual(try store.nextRoundRobin(vhostID: 1, count: 3), 1)
        XCTAssertEqual(try store.backends(vhostID: 1)[2].connCount, 1)
    }

    func testPrepareDetectsReorderAndEmptyList() throws {
        XCTAssertTrue(try store.prepare(vhostID: 1, vhostName: "one", backends: urls.reversed()))
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.url), urls.reversed())
        XCTAssertTrue(try store.prepare(vhostID: 1, vhostName: "one", backends: []))
        XCTAssertEqual(try store.backends(vhostID: 1), [])
        XCTAssertFalse(try store.prepare(vhostID: 1, vhostName: "one", backends: []))
    }

    func testPrepareRejectsEmptyURL() throws {
        XCTAssertDatastoreError(.invalidArgument, try store.prepare(vhostID: 1, vhostName: "one", backends: ["ftp://a:21", ""]))
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.url), urls, "nothing half-written")
    }

    func testResetAllForgetsEverything() throws {
        try store.recordConnected(vhostID: 1, index: 0, connectMillis: 3)
        try store.setStickyBackend(policy: .host, vhostID: 1, key: "192.0.2.1", url: urls[0])
        try store.resetAll()
        XCTAssertEqual(try store.backends(vhostID: 1), [])
        XCTAssertNil(try store.stickyBackend(policy: .host, vhostID: 1, key: "192.0.2.1"))
        XCTAssertTrue(try store.prepare(vhostID: 1, vhostName: "one", backends: urls))
    }

    // MARK: Shuffle

    func testShuffleVisitsEachIndexOncePerCycle() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let cycle = try (0..<5).map { _ in
                try store.nextShuffle(vhostID: 3, count: 5) { Int.random(in: 0..<$0, using: &generator) }
            }
            XCTAssertEqual(cycle.sorted(), [0, 1, 2, 3, 4], "\(cycle)")
        }
    }

    func testShuffleFollowsTheRandomSource() throws {
        // Always the last available index: descending order, then again.
        let picks = try (0..<6).map { _ in try store.nextShuffle(vhostID: 1, count: 3) { $0 - 1 } }
        XCTAssertEqual(picks, [2, 1, 0, 2, 1, 0])
    }

    func testShuffleFoldsOutOfRangeRandomValues() throws {
        for bogus in [Int.min, -1, 3, 1000, Int.max] {
            let cycle = try (0..<3).map { _ in try store.nextShuffle(vhostID: 4, count: 3) { _ in bogus } }
            XCTAssertEqual(cycle.sorted(), [0, 1, 2], "random \(bogus) gave \(cycle)")
        }
    }

    func testShuffleRejectsBadCounts() {
        XCTAssertDatastoreError(.invalidArgument, try store.nextShuffle(vhostID: 1, count: 0) { _ in 0 })
        XCTAssertDatastoreError(.invalidArgument, try store.nextShuffle(vhostID: 1, count: Int.max) { _ in 0 })
    }

    func testShuffleIgnoresIndexesBeyondAShrunkList() throws {
        _ = try store.nextShuffle(vhostID: 1, count: 5) { _ in 0 }  // 1,2,3,4 left
        let picks = try (0..<4).map { _ in try store.nextShuffle(vhostID: 1, count: 2) { _ in 0 } }
        XCTAssertEqual(picks, [1, 0, 1, 0])
    }

    // MARK: Least connections / response time

    func testLeastConnectionsPicksFewest() throws {
        try store.recordConnected(vhostID: 1, index: 0, connectMillis: 10)
        try store.recordConnected(vhostID: 1, index: 0, connectMillis: 10)
        try store.recordConnected(vhostID: 1, index: 1, connectMillis: 10)
        XCTAssertEqual(try store.leastConnections(vhostID: 1, candidates: [0, 1, 2]), 2)
        try store.recordConnected(vhostID: 1, index: 2, connectMillis: 10)
        XCTAssertEqual(try store.leastConnections(vhostID: 1, candidates: [0, 1, 2]), 1, "tie goes to lower index")
        XCTAssertEqual(try store.leastConnections(vhostID: 1, candidates: [2, 0]), 2)
        XCTAssertEqual(try store.leastConnections(vhostID: 1, candidates: [0]), 0)
    }

    func testLeastConnectionsPrefersHealthy() throws {
        try store.recordConnected(vhostID: 1, index: 1, connectMillis: 10)
        try store.setHealthy(vhostID: 1, index: 0, healthy: false)
        XCTAssertEqual(try store.leastConnections(vhostID: 1, candidates: [0, 1]), 1)
        try store.setHealthy(vhostID: 1, index: 1, healthy: false)
        XCTAssertEqual(try store.leastConnections(vhostID: 1, candidates: [0, 1]), 0, "all down: fewest anyway")
        try store.setHealthy(vhostID: 1, index: 0, healthy: true)
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.healthy), [true, false, true])
    }

    func testLeastResponseTimePicksLowestProduct() throws {
        // 0: 2 conns x 10 ms = 20; 1: 1 conn x 30 ms = 30; 2: 3 conns x 5 ms = 15.
        for _ in 0..<2 { try store.recordConnected(vhostID: 1, index: 0, connectMillis: 10) }
        try store.recordConnected(vhostID: 1, index: 1, connectMillis: 30)
        for _ in 0..<3 { try store.recordConnected(vhostID: 1, index: 2, connectMillis: 5) }
        XCTAssertEqual(try store.leastResponseTime(vhostID: 1, candidates: [0, 1, 2]), 2)
        XCTAssertEqual(try store.leastResponseTime(vhostID: 1, candidates: [0, 1]), 0)
        try store.recordDisconnected(vhostID: 1, index: 1)  // 0 x 30 = 0
        XCTAssertEqual(try store.leastResponseTime(vhostID: 1, candidates: [0, 1, 2]), 1)
    }

    func testLeastResponseTimeTriesUnmeasuredFirst() throws {
        try store.recordConnected(vhostID: 1, index: 0, connectMillis: 1)
        try store.recordDisconnected(vhostID: 1, index: 0)  // score 0, measured
        XCTAssertEqual(try store.leastResponseTime(vhostID: 1, candidates: [0, 1, 2]), 1)
        // A candidate index without a row counts as unmeasured and idle.
        XCTAssertEqual(try store.leastResponseTime(vhostID: 1, candidates: [0, 9]), 9)
    }

    func testSelectionRejectsBadCandidates() {
        XCTAssertDatastoreError(.invalidArgument, try store.leastConnections(vhostID: 1, candidates: []))
        XCTAssertDatastoreError(.invalidArgument, try store.leastResponseTime(vhostID: 1, candidates: []))
        XCTAssertDatastoreError(.invalidArgument, try store.leastConnections(vhostID: 1, candidates: [0, -1]))
    }
}
