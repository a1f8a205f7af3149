import ProxyCore
@testable import ProxyStore
import XCTest

/// Selection state keyed by backend URL: the round-robin cursor, the
/// shuffle cycle and the candidates' recorded states.
final class SelectionTests: XCTestCase {
    private var dir: TemporaryDirectory!
    private var store: SQLiteReverseDatastore!
    private let urls = ["ftp://a.example:21", "ftp://b.example:21", "ftp://c.example:21"]
    private let now = 1_000_000

    override func setUpWithError() throws {
        dir = TemporaryDirectory()
        store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        try store.register(vhostID: 1, vhostName: "one", backends: urls)
    }

    override func tearDown() {
        store?.close()
        store = nil
        dir = nil
    }

    private func roundRobin(_ candidates: [String], vhost: Int = 1) throws -> String {
        candidates[try store.claimRoundRobin(vhostID: vhost, candidates: candidates, now: now)]
    }

    // MARK: Round robin

    func testRoundRobinCycles() throws {
        let picks = try (0..<7).map { _ in try roundRobin(urls) }
        XCTAssertEqual(picks, [urls[0], urls[1], urls[2], urls[0], urls[1], urls[2], urls[0]])
    }

    func testRoundRobinIsPerVhost() throws {
        let other = ["ftp://x:21", "ftp://y:21"]
        XCTAssertEqual(try roundRobin(urls), urls[0])
        XCTAssertEqual(try roundRobin(urls), urls[1])
        XCTAssertEqual(try roundRobin(other, vhost: 2), other[0])
        XCTAssertEqual(try roundRobin(urls), urls[2])
        XCTAssertEqual(try roundRobin(other, vhost: 2), other[1])
    }

    func testRoundRobinFollowsTheBackendNotThePosition() throws {
        XCTAssertEqual(try roundRobin(urls), urls[0])
        XCTAssertEqual(try roundRobin(urls), urls[1])
        // The same backends in another order (or filtered): the cursor is
        // on b, so c comes next wherever it stands.
        XCTAssertEqual(try roundRobin([urls[2], urls[1], urls[0]]), urls[0], "after b in this order comes a")
        XCTAssertEqual(try roundRobin([urls[1], urls[2]]), urls[1], "cursor (a) not in the list: start over")
        XCTAssertEqual(try roundRobin([urls[1], urls[2]]), urls[2])
    }

    func testRoundRobinSkipsHeldOffBackends() throws {
        try store.recordFailure(vhostID: 1, url: urls[0], until: now + 30)
        let picks = try (0..<4).map { _ in try roundRobin(urls) }
        XCTAssertEqual(picks, [urls[1], urls[2], urls[1], urls[2]])
        // Once the hold-off is over, a is in the rotation again.
        XCTAssertEqual(urls[try store.claimRoundRobin(vhostID: 1, candidates: urls, now: now + 31)], urls[0])
        // All held off: plain rotation.
        for url in urls { try store.recordFailure(vhostID: 1, url: url, until: now + 30) }
        XCTAssertEqual(try roundRobin(urls), urls[1])
    }

    func testRoundRobinCursorMovesToTheBackendUsed() throws {
        // DEAD b1 b2: session 1 claims DEAD, fails over to b1 and moves the
        // cursor there, so the next session gets b2: even spread.
        XCTAssertEqual(try roundRobin(urls), urls[0])
        try store.setRoundRobinCursor(vhostID: 1, url: urls[1])
        XCTAssertEqual(try roundRobin(urls), urls[2])
    }

    func testRoundRobinSurvivesHostileStoredCursor() throws {
        try rawSQL(dir.databasePath,
                   "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (5, -9223372036854775808)",
                   "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (6, 9223372036854775807)",
                   "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (7, 'junk')")
        XCTAssertEqual(try roundRobin(urls, vhost: 5), urls[0])
        XCTAssertEqual(try roundRobin(urls, vhost: 6), urls[0])
        // Text where an integer belongs reads as id 0, which is a's here.
        XCTAssertEqual(try roundRobin(urls, vhost: 7), urls[1])
        XCTAssertEqual(try roundRobin(urls, vhost: 7), urls[2])
    }

    func testRoundRobinRejectsBadCandidates() {
        XCTAssertDatastoreError(.invalidArgument, try store.claimRoundRobin(vhostID: 1, candidates: [], now: now))
        XCTAssertDatastoreError(.invalidArgument, try store.claimRoundRobin(vhostID: 1, candidates: ["ftp://a:21", ""], now: now))
        XCTAssertDatastoreError(.invalidArgument, try store.setRoundRobinCursor(vhostID: 1, url: ""))
    }

    func testDuplicateCandidatesShareOneRow() throws {
        let picks = try (0..<4).map { _ in try roundRobin([urls[0], urls[0], urls[1]]) }
        XCTAssertEqual(Set(picks), [urls[0], urls[1]])
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.url), urls)
    }

    // MARK: register

    func testRegisterKeepsStateOfKnownBackendsWhateverTheOrder() throws {
        try store.recordConnected(vhostID: 1, url: urls[1], connectMillis: 40)
        try store.setStickyBackend(policy: .user, vhostID: 1, key: "alice", url: urls[1])
        XCTAssertEqual(try roundRobin(urls), urls[0])

        try store.register(vhostID: 1, vhostName: "renamed", backends: [urls[2], urls[1], "ftp://d:21"])
        XCTAssertEqual(try store.states(vhostID: 1, candidates: [urls[1], "ftp://d:21"]), [
            BackendState(url: urls[1], connCount: 1, connectMillis: 40),
            BackendState(url: "ftp://d:21"),
        ])
        XCTAssertEqual(try store.stickyBackend(policy: .user, vhostID: 1, key: "alice"), urls[1])
        XCTAssertEqual(try roundRobin(urls), urls[1], "the cursor stays on a")
    }

    func testRegisterRejectsEmptyURL() throws {
        XCTAssertDatastoreError(.invalidArgument, try store.register(vhostID: 1, vhostName: "one", backends: ["ftp://x:21", ""]))
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.url), urls, "nothing half-written")
    }

    func testANewDaemonResetsEverythingTheSameOneNothing() throws {
        let master = DaemonIdentity(pid: 4242, started: 777)
        XCTAssertTrue(try store.resetUnlessOwnedBy(master: master), "first start: nothing recorded")
        try store.register(vhostID: 1, vhostName: "one", backends: urls)
        try store.recordConnected(vhostID: 1, url: urls[0], connectMillis: 3)
        try store.setStickyBackend(policy: .host, vhostID: 1, key: "192.0.2.1", url: urls[0])

        XCTAssertFalse(try store.resetUnlessOwnedBy(master: master), "SIGHUP of the same daemon")
        XCTAssertEqual(try store.backends(vhostID: 1)[0].connCount, 1)

        XCTAssertTrue(try store.resetUnlessOwnedBy(master: DaemonIdentity(pid: 4242, started: 778)),
                      "same pid, another process")
        XCTAssertEqual(try store.backends(vhostID: 1), [])
        XCTAssertNil(try store.stickyBackend(policy: .host, vhostID: 1, key: "192.0.2.1"))
        XCTAssertFalse(try store.resetUnlessOwnedBy(master: DaemonIdentity(pid: 4242, started: 778)))
    }

    func testDaemonStartTimeFromProcStat() {
        let line = "1234 (proftpd) S 1 1234 1234 0 -1 4194560 500 0 0 0 1 2 0 0 20 0 1 0 98765 12345 300"
        XCTAssertEqual(DaemonIdentity.startTime(statLine: line), 98765)
        let hostileName = "1234 (a) b (c) d) S 1 1234 1234 0 -1 4194560 500 0 0 0 1 2 0 0 20 0 1 0 555 12345"
        XCTAssertEqual(DaemonIdentity.startTime(statLine: hostileName), 555)
        XCTAssertNil(DaemonIdentity.startTime(statLine: ""))
        XCTAssertNil(DaemonIdentity.startTime(statLine: "1234 (x) S 1 2"))
        XCTAssertNil(DaemonIdentity.startTime(statLine: "no parenthesis at all 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"))
        XCTAssertNotEqual(DaemonIdentity.current().started, 0)
    }

    // MARK: Shuffle

    private func shuffle(_ candidates: [String], vhost: Int = 1, _ random: (Int) -> Int) throws -> String {
        candidates[try store.claimShuffle(vhostID: vhost, candidates: candidates, random: random)]
    }

    func testShuffleVisitsEachBackendOncePerCycle() throws {
        let five = (0..<5).map { "ftp://s\($0):21" }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let cycle = try (0..<5).map { _ in
                try shuffle(five, vhost: 3) { Int.random(in: 0..<$0, using: &generator) }
            }
            XCTAssertEqual(cycle.sorted(), five.sorted(), "\(cycle)")
        }
    }

    func testShuffleFollowsTheRandomSource() throws {
        // Always the last available candidate: descending order, then again.
        let picks = try (0..<6).map { _ in try shuffle(urls) { $0 - 1 } }
        XCTAssertEqual(picks, [urls[2], urls[1], urls[0], urls[2], urls[1], urls[0]])
    }

    func testShuffleCycleIsKeyedByBackend() throws {
        XCTAssertEqual(try shuffle(urls) { _ in 0 }, urls[0])
        // Reordered: a was taken this cycle, so b and c remain.
        let rest = try (0..<2).map { _ in try shuffle([urls[2], urls[0], urls[1]]) { _ in 0 } }
        XCTAssertEqual(rest, [urls[2], urls[1]])
    }

    func testShuffleFoldsOutOfRangeRandomValues() throws {
        for bogus in [Int.min, -1, 3, 1000, Int.max] {
            let cycle = try (0..<3).map { _ in try shuffle(urls, vhost: 4) { _ in bogus } }
            XCTAssertEqual(cycle.sorted(), urls, "random \(bogus) gave \(cycle)")
        }
    }

    func testShuffleRejectsBadCandidates() {
        XCTAssertDatastoreError(.invalidArgument, try store.claimShuffle(vhostID: 1, candidates: []) { _ in 0 })
        XCTAssertDatastoreError(.invalidArgument, try store.claimShuffle(vhostID: 1, candidates: [""]) { _ in 0 })
    }

    func testShuffleIgnoresBackendsNoLongerListed() throws {
        let five = (0..<5).map { "ftp://s\($0):21" }
        _ = try shuffle(five) { _ in 0 }   // s1...s4 left this cycle
        let picks = try (0..<4).map { _ in try shuffle([five[0], "ftp://new:21"]) { _ in 0 } }
        XCTAssertEqual(Set(picks), [five[0], "ftp://new:21"])
    }

    // MARK: Recorded states for the ranking policies

    func testStatesComeInCandidateOrder() throws {
        try store.recordConnected(vhostID: 1, url: urls[2], connectMillis: 7)
        XCTAssertEqual(try store.states(vhostID: 1, candidates: [urls[2], "ftp://never:21", urls[0]]), [
            BackendState(url: urls[2], connCount: 1, connectMillis: 7),
            BackendState(url: "ftp://never:21"),
            BackendState(url: urls[0]),
        ])
        XCTAssertEqual(try store.states(vhostID: 1, candidates: []), [])
    }

    func testLeastConnectionsFromRecordedCounts() throws {
        for _ in 0..<2 { try store.recordConnected(vhostID: 1, url: urls[0], connectMillis: 10) }
        try store.recordConnected(vhostID: 1, url: urls[1], connectMillis: 10)
        let states = try store.states(vhostID: 1, candidates: urls)
        XCTAssertEqual(BackendRanking.leastConnections(states, now: now), 2)
        let reordered = try store.states(vhostID: 1, candidates: [urls[1], urls[0]])
        XCTAssertEqual(BackendRanking.leastConnections(reordered, now: now), 0, "b has fewer than a in any order")
    }
}
