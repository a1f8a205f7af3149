import ProxyCore
import XCTest

/// Round robin and shuffle over a counter shared by proxies (Redis INCR).
final class SharedCounterPickTests: XCTestCase {
    func testRoundRobinStartsWhereAFreshCursorDoes() {
        XCTAssertEqual((1...7).map { SharedCounterPick.roundRobinStart(counter: $0, count: 3) }, [0, 1, 2, 0, 1, 2, 0])
        XCTAssertEqual(SharedCounterPick.roundRobinStart(counter: 5, count: 1), 0)
    }

    func testHostileCounterValues() {
        // A counter a human reset to 0, or one that wrapped, stays in range.
        XCTAssertEqual(SharedCounterPick.roundRobinStart(counter: 0, count: 3), Int((UInt64.max) % 3))
        XCTAssertEqual(SharedCounterPick.roundRobinStart(counter: .max, count: 7), Int((UInt64.max - 1) % 7))
        XCTAssertEqual(SharedCounterPick.roundRobinStart(counter: 3, count: 0), 0, "no candidates: no crash")
        XCTAssertEqual(SharedCounterPick.roundRobinStart(counter: 3, count: -2), 0)
        XCTAssertEqual(SharedCounterPick.shuffleDraw(counter: 0, count: 4, salt: 9) >= 0, true)
        XCTAssertEqual(SharedCounterPick.shuffleDraw(counter: 9, count: 0, salt: 9), 0)
        XCTAssertEqual(SharedCounterPick.permutation(count: -1, seed: 1), [])
    }

    func testAdvanceMovesTheCounterToTheBackendUsed() {
        XCTAssertEqual(SharedCounterPick.advance(from: 0, to: 2, count: 3), 2)
        XCTAssertEqual(SharedCounterPick.advance(from: 2, to: 0, count: 3), 1, "round the list, never backwards")
        XCTAssertEqual(SharedCounterPick.advance(from: 1, to: 1, count: 3), 0)
        XCTAssertEqual(SharedCounterPick.advance(from: 1, to: 5, count: 0), 0)
    }

    func testEveryCandidateOncePerShuffleCycle() {
        for count in [1, 2, 3, 5, 16] {
            for cycle in 0..<20 {
                let draws = (1...count).map {
                    SharedCounterPick.shuffleDraw(counter: UInt64(cycle * count + $0), count: count, salt: 42)
                }
                XCTAssertEqual(draws.sorted(), Array(0..<count), "cycle \(cycle) of \(count)")
            }
        }
    }

    func testShuffleCyclesDifferAndAreTheSameInEveryProxy() {
        let cycles = (0..<10).map { SharedCounterPick.permutation(count: 8, seed: UInt64($0) ^ 77) }
        XCTAssertGreaterThan(Set(cycles).count, 5, "the order changes from cycle to cycle")
        XCTAssertEqual(SharedCounterPick.permutation(count: 8, seed: 3), SharedCounterPick.permutation(count: 8, seed: 3))
        XCTAssertEqual(SharedCounterPick.stableHash("fleet1:#1"), SharedCounterPick.stableHash("fleet1:#1"))
        XCTAssertNotEqual(SharedCounterPick.stableHash("fleet1:#1"), SharedCounterPick.stableHash("fleet1:#2"))
        XCTAssertEqual(SharedCounterPick.stableHash(""), 0xcbf2_9ce4_8422_2325, "FNV-1a offset basis")
    }
}
