import ProxyCore
import XCTest

/// The pure selection rules: failover order with held-off backends, the
/// round-robin pick after a cursor, and the ranking policies.
final class BackendSelectionOrderTests: XCTestCase {
    private let allHealthy: (Int) -> Bool = { _ in true }

    func testFailoverGoesRoundTheListFromThePick() {
        XCTAssertEqual(FailoverOrder.positions(count: 4, start: 2, healthy: allHealthy, attempts: 4), [2, 3, 0, 1])
        XCTAssertEqual(FailoverOrder.positions(count: 4, start: 2, healthy: allHealthy, attempts: 2), [2, 3])
        XCTAssertEqual(FailoverOrder.positions(count: 3, start: 0, healthy: allHealthy, attempts: 10), [0, 1, 2],
                       "never more attempts than candidates")
    }

    func testHeldOffBackendsGoLast() {
        let down: Set<Int> = [0, 2]
        XCTAssertEqual(FailoverOrder.positions(count: 4, start: 0, healthy: { !down.contains($0) }, attempts: 4),
                       [1, 3, 0, 2])
        XCTAssertEqual(FailoverOrder.positions(count: 4, start: 0, healthy: { !down.contains($0) }, attempts: 1), [1])
        XCTAssertEqual(FailoverOrder.positions(count: 2, start: 1, healthy: { _ in false }, attempts: 2), [1, 0],
                       "all held off: plain rotation")
    }

    func testPinnedPickGoesFirstEvenWhenHeldOff() {
        XCTAssertEqual(FailoverOrder.positions(count: 3, start: 1, healthy: { $0 != 1 }, pinned: true, attempts: 3),
                       [1, 2, 0])
    }

    func testHostileArguments() {
        XCTAssertEqual(FailoverOrder.positions(count: 0, start: 0, healthy: allHealthy, attempts: 3), [])
        XCTAssertEqual(FailoverOrder.positions(count: 3, start: 0, healthy: allHealthy, attempts: 0), [])
        XCTAssertEqual(FailoverOrder.positions(count: 3, start: -1, healthy: allHealthy, attempts: 1), [2])
        XCTAssertEqual(FailoverOrder.positions(count: 3, start: Int.min, healthy: allHealthy, attempts: 1).count, 1)
        XCTAssertEqual(FailoverOrder.positions(count: 3, start: Int.max, healthy: allHealthy, attempts: 1).count, 1)
        XCTAssertEqual(FailoverOrder.positions(count: -2, start: 0, healthy: allHealthy, attempts: 1), [])
    }

    func testRoundRobinPick() {
        XCTAssertEqual(FailoverOrder.roundRobinPick(count: 3, after: nil, healthy: allHealthy), 0)
        XCTAssertEqual(FailoverOrder.roundRobinPick(count: 3, after: 0, healthy: allHealthy), 1)
        XCTAssertEqual(FailoverOrder.roundRobinPick(count: 3, after: 2, healthy: allHealthy), 0)
        XCTAssertEqual(FailoverOrder.roundRobinPick(count: 3, after: 0, healthy: { $0 != 1 }), 2)
        XCTAssertEqual(FailoverOrder.roundRobinPick(count: 3, after: 0, healthy: { _ in false }), 1)
        XCTAssertNil(FailoverOrder.roundRobinPick(count: 0, after: nil, healthy: allHealthy))
        XCTAssertEqual(FailoverOrder.roundRobinPick(count: 3, after: Int.max, healthy: allHealthy).map { (0..<3).contains($0) }, true)
    }

    /// DEAD b1 b2 with the cursor following the backend used and the dead
    /// one held off: b1, b2, b1, b2.
    func testRoundRobinOverADeadBackendSpreadsEvenly() {
        var cursor: Int?
        var heldOff: Set<Int> = []
        var reached: [Int] = []
        for _ in 0..<6 {
            let pick = FailoverOrder.roundRobinPick(count: 3, after: cursor) { !heldOff.contains($0) }!
            let order = FailoverOrder.positions(count: 3, start: pick, healthy: { !heldOff.contains($0) }, attempts: 3)
            let used = order.first { $0 != 0 }!     // position 0 is dead
            if order.first == 0 { heldOff.insert(0) }
            cursor = used
            reached.append(used)
        }
        XCTAssertEqual(reached, [1, 2, 1, 2, 1, 2])
    }

    func testRankingRules() {
        let states = [
            BackendState(url: "a", connCount: Int.max, connectMillis: Int.max),
            BackendState(url: "b", connCount: -4, connectMillis: 50),
            BackendState(url: "c", connCount: 0, connectMillis: 20),
        ]
        XCTAssertEqual(BackendRanking.leastConnections(states, now: 0), 1, "negative counts as 0, earlier wins")
        XCTAssertEqual(BackendRanking.leastResponseTime(states, now: 0), 2, "equal score 0: faster connect wins")
        XCTAssertNil(BackendRanking.leastConnections([], now: 0))
        XCTAssertNil(BackendRanking.leastResponseTime([], now: 0))
    }

    func testRankingPrefersHealthy() {
        let states = [
            BackendState(url: "a", connCount: 0, unhealthyUntil: 100),
            BackendState(url: "b", connCount: 5),
        ]
        XCTAssertEqual(BackendRanking.leastConnections(states, now: 50), 1)
        XCTAssertEqual(BackendRanking.leastConnections(states, now: 100), 0, "hold-off over")
        let allDown = states.map { BackendState(url: $0.url, connCount: $0.connCount, unhealthyUntil: 100) }
        XCTAssertEqual(BackendRanking.leastConnections(allDown, now: 50), 0, "all down: fewest anyway")
    }

    func testLeastResponseTimeTriesUnmeasuredFirst() {
        let states = [
            BackendState(url: "a", connCount: 0, connectMillis: 1),
            BackendState(url: "b"),
            BackendState(url: "c", connCount: 3, connectMillis: 5),
        ]
        XCTAssertEqual(BackendRanking.leastResponseTime(states, now: 0), 1)
        // 0: 2 x 10 = 20; 1: 1 x 30 = 30; 2: 3 x 5 = 15.
        let measured = [
            BackendState(url: "a", connCount: 2, connectMillis: 10),
            BackendState(url: "b", connCount: 1, connectMillis: 30),
            BackendState(url: "c", connCount: 3, connectMillis: 5),
        ]
        XCTAssertEqual(BackendRanking.leastResponseTime(measured, now: 0), 2)
    }
}
