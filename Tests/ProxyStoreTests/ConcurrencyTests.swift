import Foundation
import Glibc
@testable import ProxyStore
import XCTest

/// Many forked session processes on one file, as under the daemon.
final class ConcurrencyTests: XCTestCase {
    /// PROXYSTORE_STRESS_CHILDREN and PROXYSTORE_STRESS_CALLS change the
    /// load for a manual stress run (e.g. 500 sessions x 4 calls, a login
    /// burst); the defaults keep the suite quick. Keep children x calls a
    /// multiple of 4.
    private let children = environmentNumber("PROXYSTORE_STRESS_CHILDREN") ?? 8
    private let callsPerChild = environmentNumber("PROXYSTORE_STRESS_CALLS") ?? 200
    private let backendCount = 4

    func testForkedSessionsShareRoundRobinWithoutLostUpdates() throws {
        let dir = TemporaryDirectory()
        let urls = (0..<backendCount).map { "ftp://b\($0).example:21" }
        // Master: prepare, then close before forking (no handle crosses fork).
        let master = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        try master.register(vhostID: 1, vhostName: "one", backends: urls)
        master.close()

        let processes = (0..<children).map { _ in
            ChildProcess.spawn { () -> String in
                // Each child: its own connection; pick, then count the
                // connection against the picked backend.
                var picks = [Int](repeating: 0, count: self.backendCount)
                var failures: [String] = []
                do {
                    let session = try SQLiteReverseDatastore(tablesDirectory: dir.path)
                    for _ in 0..<self.callsPerChild {
                        do {
                            let index = try session.claimRoundRobin(vhostID: 1, candidates: urls, now: 0)
                            picks[index] += 1
                            try session.recordConnected(vhostID: 1, url: urls[index], connectMillis: 1)
                        } catch {
                            failures.append("\(error)")
                        }
                    }
                    session.close()
                } catch {
                    failures.append("open: \(error)")
                }
                return picks.map(String.init).joined(separator: " ") + "\n" + failures.prefix(3).joined(separator: " | ")
            }
        }

        var totals = [Int](repeating: 0, count: backendCount)
        for process in processes {
            let result = try XCTUnwrap(process.finish(), "child \(process.pid) hung")
            XCTAssertEqual(result.status, 0, "child \(process.pid) exit status")
            let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
            let counts = lines.first.map { $0.split(separator: " ").compactMap { Int($0) } } ?? []
            XCTAssertEqual(counts.count, backendCount, "child output: \(result.output)")
            XCTAssertEqual(lines.dropFirst().joined(), "", "child \(process.pid) saw errors")
            for (index, count) in counts.enumerated() where index < backendCount { totals[index] += count }
        }

        // 1600 consecutive slots over 4 backends: exactly 400 each.
        let expected = children * callsPerChild / backendCount
        XCTAssertEqual(totals, [Int](repeating: expected, count: backendCount))

        let store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.connCount),
                       [Int](repeating: expected, count: backendCount), "no lost increments")
        // The cursor ended on the last slot of a full cycle.
        XCTAssertEqual(try store.claimRoundRobin(vhostID: 1, candidates: urls, now: 0), 0)
    }

    func testForkedSessionsShareShuffleCycles() throws {
        let dir = TemporaryDirectory()
        try SQLiteReverseDatastore(tablesDirectory: dir.path).close()
        let cycles = 50, count = 4, processCount = 4
        let urls = (0..<count).map { "ftp://s\($0):21" }
        let perChild = cycles * count / processCount

        let processes = (0..<processCount).map { _ in
            ChildProcess.spawn { () -> String in
                var picks = [Int](repeating: 0, count: count)
                do {
                    let session = try SQLiteReverseDatastore(tablesDirectory: dir.path)
                    for _ in 0..<perChild {
                        picks[try session.claimShuffle(vhostID: 2, candidates: urls) { Int.random(in: 0..<$0) }] += 1
                    }
                } catch {
                    return "error \(error)"
                }
                return picks.map(String.init).joined(separator: " ")
            }
        }
        var totals = [Int](repeating: 0, count: count)
        for process in processes {
            let result = try XCTUnwrap(process.finish(), "child hung")
            XCTAssertEqual(result.status, 0)
            let counts = result.output.split(separator: " ").compactMap { Int($0) }
            XCTAssertEqual(counts.count, count, result.output)
            for (index, value) in counts.enumerated() where index < count { totals[index] += value }
        }
        // Whole cycles only, each index once per cycle: exactly `cycles` each.
        XCTAssertEqual(totals, [Int](repeating: cycles, count: count))
    }

    func testInheritedHandleRefusesWorkInChild() throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        let child = ChildProcess.spawn { () -> String in
            do {
                _ = try store.claimRoundRobin(vhostID: 1, candidates: ["ftp://a:21"], now: 0)
                return "worked"
            } catch let error as DatastoreError {
                store.close()  // abandons the handle, must not disturb the parent
                return error.kind.rawValue
            } catch {
                return "other"
            }
        }
        let result = try XCTUnwrap(child.finish())
        XCTAssertEqual(result.output, "usedAfterFork")
        XCTAssertEqual(try store.claimRoundRobin(vhostID: 1, candidates: ["ftp://a:21"], now: 0), 0, "parent still works")
        store.close()
    }
}

private func environmentNumber(_ name: String) -> Int? {
    ProcessInfo.processInfo.environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
}
