@testable import ProxyStore
import XCTest

final class StickyTests: XCTestCase {
    private var dir: TemporaryDirectory!
    private var store: SQLiteReverseDatastore!

    override func setUpWithError() throws {
        dir = TemporaryDirectory()
        store = try SQLiteReverseDatastore(tablesDirectory: dir.path, stickyEntryLimit: 4)
    }

    override func tearDown() {
        store?.close()
        store = nil
        dir = nil
    }

    func testMapsAreSeparatePerPolicyAndVhost() throws {
        try store.setStickyBackend(policy: .user, vhostID: 1, key: "alice", url: "ftp://u1:21")
        try store.setStickyBackend(policy: .group, vhostID: 1, key: "alice", url: "ftp://g1:21")
        try store.setStickyBackend(policy: .host, vhostID: 1, key: "alice", url: "ftp://h1:21")
        try store.setStickyBackend(policy: .user, vhostID: 2, key: "alice", url: "ftp://u2:21")

        XCTAssertEqual(try store.stickyBackend(policy: .user, vhostID: 1, key: "alice"), "ftp://u1:21")
        XCTAssertEqual(try store.stickyBackend(policy: .group, vhostID: 1, key: "alice"), "ftp://g1:21")
        XCTAssertEqual(try store.stickyBackend(policy: .host, vhostID: 1, key: "alice"), "ftp://h1:21")
        XCTAssertEqual(try store.stickyBackend(policy: .user, vhostID: 2, key: "alice"), "ftp://u2:21")
        XCTAssertNil(try store.stickyBackend(policy: .group, vhostID: 2, key: "alice"))
        XCTAssertNil(try store.stickyBackend(policy: .user, vhostID: 1, key: "Alice"), "keys are case-sensitive")
        XCTAssertEqual(try rawScalar(dir.databasePath,
            "SELECT COUNT(*) FROM proxy_vhost_reverse_per_host WHERE ip_addr = 'alice'"), 1)
    }

    func testSetReplaces() throws {
        try store.setStickyBackend(policy: .host, vhostID: 1, key: "2001:db8::1", url: "ftp://a:21")
        try store.setStickyBackend(policy: .host, vhostID: 1, key: "2001:db8::1", url: "ftp://b:21")
        XCTAssertEqual(try store.stickyBackend(policy: .host, vhostID: 1, key: "2001:db8::1"), "ftp://b:21")
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT COUNT(*) FROM proxy_vhost_reverse_per_host"), 1)
    }

    func testHostileKeysAreStoredExactly() throws {
        let keys = ["a\u{0}b", "a", "'; DROP TABLE proxy_vhosts; --", "ünï©ødé", String(repeating: "x", count: 10_000)]
        store = try SQLiteReverseDatastore(tablesDirectory: dir.path)  // default limit: no eviction here
        for (offset, key) in keys.enumerated() {
            try store.setStickyBackend(policy: .user, vhostID: 1, key: key, url: "ftp://b\(offset):21")
        }
        for (offset, key) in keys.enumerated() {
            XCTAssertEqual(try store.stickyBackend(policy: .user, vhostID: 1, key: key), "ftp://b\(offset):21")
        }
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT COUNT(*) FROM proxy_vhosts"), 0, "table still there")
    }

    func testOldestEntriesAreEvictedAtTheLimit() throws {
        for name in ["u1", "u2", "u3", "u4"] {
            try store.setStickyBackend(policy: .user, vhostID: 1, key: name, url: "ftp://\(name):21")
        }
        // Updating an existing key does not evict.
        try store.setStickyBackend(policy: .user, vhostID: 1, key: "u1", url: "ftp://again:21")
        XCTAssertEqual(try store.stickyBackend(policy: .user, vhostID: 1, key: "u1"), "ftp://again:21")

        try store.setStickyBackend(policy: .user, vhostID: 1, key: "u5", url: "ftp://u5:21")
        XCTAssertNil(try store.stickyBackend(policy: .user, vhostID: 1, key: "u1"))
        for name in ["u2", "u3", "u4", "u5"] {
            XCTAssertEqual(try store.stickyBackend(policy: .user, vhostID: 1, key: name), "ftp://\(name):21")
        }
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT COUNT(*) FROM proxy_vhost_reverse_per_user"), 4)
        // Other policies' tables are not touched.
        try store.setStickyBackend(policy: .group, vhostID: 1, key: "g", url: "ftp://g:21")
        XCTAssertEqual(try rawScalar(dir.databasePath, "SELECT COUNT(*) FROM proxy_vhost_reverse_per_user"), 4)
    }

    func testEmptyKeyOrURLIsRejected() {
        XCTAssertDatastoreError(.invalidArgument, try store.stickyBackend(policy: .user, vhostID: 1, key: ""))
        XCTAssertDatastoreError(.invalidArgument,
            try store.setStickyBackend(policy: .group, vhostID: 1, key: "", url: "ftp://a:21"))
        XCTAssertDatastoreError(.invalidArgument,
            try store.setStickyBackend(policy: .host, vhostID: 1, key: "192.0.2.9", url: ""))
    }
}
