import Foundation
import Glibc
@testable import ProxyStore
import XCTest

final class SchemaTests: XCTestCase {
    func testNewFileGetsSchemaVersionRowAndAllTables() throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        store.close()

        XCTAssertEqual(try rawScalar(dir.databasePath,
            "SELECT version FROM schema_version WHERE schema = 'proxy_reverse'"), 8)
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT COUNT(*) FROM schema_version"), 1)
        for table in ["proxy_vhosts", "proxy_vhost_backends", "proxy_vhost_reverse_roundrobin",
                      "proxy_vhost_reverse_shuffle", "proxy_vhost_reverse_per_user",
                      "proxy_vhost_reverse_per_group", "proxy_vhost_reverse_per_host"] {
            XCTAssertEqual(try rawScalar(dir.databasePath,
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '\(table)'"), 1, table)
        }
    }

    func testFileIsCreatedPrivateAndInWALMode() throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteReverseDatastore(tablesDirectory: dir.path + "/")
        try store.register(vhostID: 1, vhostName: "a", backends: ["ftp://a:21"])
        var status = stat()
        XCTAssertEqual(stat(dir.databasePath, &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o600)
        // The -wal file exists while a connection is open; same mode.
        XCTAssertEqual(stat(dir.databasePath + "-wal", &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o600)
        store.close()
        let connection = try SQLiteConnection(path: dir.databasePath, busyDeadline: 1)
        var mode: String?
        try connection.query("PRAGMA journal_mode") { mode = $0.text(0) }
        XCTAssertEqual(mode, "wal")
    }

    func testEmptyExistingFileIsInitialised() throws {
        let dir = TemporaryDirectory()
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.databasePath, contents: Data()))
        let store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        XCTAssertEqual(try store.claimRoundRobin(vhostID: 1, candidates: ["ftp://a:21", "ftp://b:21"], now: 0), 0)
    }

    func testGarbageFileIsNotADatabase() throws {
        let dir = TemporaryDirectory()
        let garbage = Data(String(repeating: "this is not an SQLite file\n", count: 200).utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.databasePath, contents: garbage))
        let error = XCTAssertDatastoreError(.notADatabase, try SQLiteReverseDatastore(tablesDirectory: dir.path))
        XCTAssertTrue(error?.description.contains(dir.databasePath) ?? false, "\(String(describing: error))")
        // The file was left alone.
        XCTAssertEqual(FileManager.default.contents(atPath: dir.databasePath), garbage)
    }

    func testDamagedHeaderIsRejected() throws {
        let dir = TemporaryDirectory()
        try SQLiteReverseDatastore(tablesDirectory: dir.path).close()
        // Keep the magic string, smash the page size and the rest of page 1.
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: dir.databasePath))
        for offset in 16..<min(bytes.count, 4096) { bytes[offset] = 0xA5 }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.databasePath + suffix) }
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.databasePath, contents: bytes))
        do {
            _ = try SQLiteReverseDatastore(tablesDirectory: dir.path)
            XCTFail("opened a damaged file")
        } catch let error as DatastoreError {
            XCTAssertTrue([.notADatabase, .corrupt].contains(error.kind), "\(error)")
        }
    }

    func testNewerSchemaVersionIsRefused() throws {
        let dir = TemporaryDirectory()
        try SQLiteReverseDatastore(tablesDirectory: dir.path).close()
        try rawSQL(dir.databasePath, "UPDATE schema_version SET version = 99 WHERE schema = 'proxy_reverse'")
        let error = XCTAssertDatastoreError(.schemaTooNew, try SQLiteReverseDatastore(tablesDirectory: dir.path))
        XCTAssertTrue(error?.detail.contains("99") ?? false)
        // Not downgraded behind the newer module's back.
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT version FROM schema_version"), 99)
    }

    func testForeignDatabaseIsRefused() throws {
        let dir = TemporaryDirectory()
        try rawSQL(dir.databasePath, "CREATE TABLE accounts (id INTEGER, balance INTEGER)",
                   "INSERT INTO accounts VALUES (1, 100)")
        XCTAssertDatastoreError(.foreignDatabase, try SQLiteReverseDatastore(tablesDirectory: dir.path))
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT balance FROM accounts"), 100)
    }

    func testSchemaVersionTableOfAnotherSchemaIsForeign() throws {
        let dir = TemporaryDirectory()
        try rawSQL(dir.databasePath,
                   "CREATE TABLE schema_version (schema TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL)",
                   "INSERT INTO schema_version VALUES ('proxy_tls', 1)")
        XCTAssertDatastoreError(.foreignDatabase, try SQLiteReverseDatastore(tablesDirectory: dir.path))
    }

    func testUpstreamVersion6FileIsReplaced() throws {
        let dir = TemporaryDirectory()
        // Upstream's layout: no unhealthy column, no unique indexes.
        try rawSQL(dir.databasePath,
            "CREATE TABLE schema_version (schema TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL)",
            "INSERT INTO schema_version VALUES ('proxy_reverse', 6)",
            "CREATE TABLE proxy_vhost_backends (vhost_id INTEGER NOT NULL, backend_id INTEGER NOT NULL, backend_uri TEXT NOT NULL, conn_count INTEGER NOT NULL, connect_ms INTEGER)",
            "INSERT INTO proxy_vhost_backends VALUES (1, 0, 'ftp://old:21', 7, 5)",
            "CREATE TABLE proxy_vhost_reverse_roundrobin (vhost_id INTEGER NOT NULL, current_backend_id INTEGER NOT NULL)",
            "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (1, 0)",
            "INSERT INTO proxy_vhost_reverse_roundrobin VALUES (1, 0)")
        let store = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        XCTAssertEqual(try store.backends(vhostID: 1), [])
        try store.register(vhostID: 1, vhostName: "one", backends: ["ftp://new:21"])
        XCTAssertEqual(try store.backends(vhostID: 1).map(\.url), ["ftp://new:21"])
        XCTAssertEqual(try store.claimRoundRobin(vhostID: 1, candidates: ["ftp://new:21"], now: 0), 0)
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT version FROM schema_version"), 8)
    }

    func testSymlinkIsRefused() throws {
        let dir = TemporaryDirectory()
        let target = dir.path + "/elsewhere.db"
        XCTAssertEqual(symlink(target, dir.databasePath), 0)
        XCTAssertDatastoreError(.unusablePath, try SQLiteReverseDatastore(tablesDirectory: dir.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "followed the symlink")
    }

    func testMissingDirectoryAndDirectoryInPlaceOfFile() throws {
        let dir = TemporaryDirectory()
        XCTAssertDatastoreError(.unusablePath, try SQLiteReverseDatastore(tablesDirectory: dir.path + "/missing"))
        XCTAssertEqual(mkdir(dir.databasePath, 0o700), 0)
        XCTAssertDatastoreError(.unusablePath, try SQLiteReverseDatastore(tablesDirectory: dir.path))
        XCTAssertDatastoreError(.invalidArgument, try SQLiteReverseDatastore(tablesDirectory: ""))
    }

    func testBadOptionsAreRejected() {
        let dir = TemporaryDirectory()
        XCTAssertDatastoreError(.invalidArgument, try SQLiteReverseDatastore(tablesDirectory: dir.path, busyTimeout: -1))
        XCTAssertDatastoreError(.invalidArgument, try SQLiteReverseDatastore(tablesDirectory: dir.path, busyTimeout: .nan))
        XCTAssertDatastoreError(.invalidArgument, try SQLiteReverseDatastore(tablesDirectory: dir.path, stickyEntryLimit: 0))
    }
}
