import Glibc
@testable import ProxyStore
import XCTest

/// The -wal file stays small: cut to zero by the last connection's close
/// even where SQLite's own close-time checkpoint is skipped (a chrooted
/// session: the path is gone), bounded while connections overlap.
final class WriteAheadLogTests: XCTestCase {
    private func walSize(_ path: String) -> Int {
        var st = stat()
        return stat(path + "-wal", &st) == 0 ? Int(st.st_size) : -1
    }

    private func sessionWrites(_ store: SQLiteReverseDatastore, _ count: Int) throws {
        for i in 0..<count {
            let url = "ftp://10.0.\(i % 200).\(i % 7):21"
            try store.recordConnected(vhostID: 1, url: url, connectMillis: i)
            try store.recordDisconnected(vhostID: 1, url: url)
        }
    }

    /// As in a chrooted session: the directory is not where SQLite opened it.
    func testTheLastCloseEmptiesTheLogWhereTheFileSeemsMoved() throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        try store.register(vhostID: 1, vhostName: "v", backends: ["ftp://127.0.0.1:21"])
        try sessionWrites(store, 300)
        let before = try store.backends(vhostID: 1)
        let moved = dir.path + "/moved"
        XCTAssertEqual(mkdir(moved, 0o700), 0)
        for suffix in ["", "-wal", "-shm"] {
            XCTAssertEqual(rename(dir.databasePath + suffix, moved + "/db" + suffix), 0, suffix)
        }
        XCTAssertGreaterThan(walSize(moved + "/db"), 100_000)
        store.close()
        XCTAssertEqual(walSize(moved + "/db"), 0, "checkpointed and cut to zero")
        for suffix in ["", "-wal", "-shm"] {
            XCTAssertEqual(rename(moved + "/db" + suffix, dir.databasePath + suffix), 0, suffix)
        }
        let again = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        defer { again.close() }
        XCTAssertEqual(try again.backends(vhostID: 1), before, "nothing lost")
    }

    func testTheLogIsBoundedWhileConnectionsOverlap() throws {
        let dir = TemporaryDirectory()
        let reader = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        defer { reader.close() }
        let writer = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        defer { writer.close() }
        for round in 0..<20 {
            try sessionWrites(writer, 200)
            _ = try reader.backends(vhostID: 1)
            XCTAssertLessThanOrEqual(walSize(dir.databasePath), 2 << 20, "round \(round)")
        }
    }

    /// A close while another connection reads neither waits nor fails; the
    /// last close then empties the log.
    func testACloseDuringAnotherReadDoesNotWait() throws {
        let dir = TemporaryDirectory()
        let master = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        try master.register(vhostID: 1, vhostName: "v", backends: ["ftp://127.0.0.1:21"])
        let session = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        try sessionWrites(session, 100)
        let before = try session.backends(vhostID: 1)
        let reading = try SQLiteConnection(path: dir.databasePath, busyDeadline: 1)
        try reading.exec("BEGIN")
        _ = try reading.scalar("SELECT COUNT(*) FROM \(ReverseSchema.backends)")
        let started = RetryDeadline(seconds: 0.5)
        session.close()
        XCTAssertFalse(started.hasExpired, "the close waited for the reader")
        XCTAssertGreaterThan(walSize(dir.databasePath), 0)
        try reading.exec("COMMIT")
        XCTAssertEqual(try master.backends(vhostID: 1), before)
        reading.close()
        master.close()
        XCTAssertLessThanOrEqual(walSize(dir.databasePath), 0, "emptied or removed by the last close")
    }
}
