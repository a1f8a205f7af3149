@testable import ProxyStore
import XCTest

/// The TLS-session and SSH host-key stores: keyed by backend URL within a
/// vhost, persistent, hostile values refused with a clear error.
final class SmallStoresTests: XCTestCase {
    func testTLSSessionsPerBackend() throws {
        let dir = TemporaryDirectory()
        var store = try SQLiteTLSSessionStore(tablesDirectory: dir.path)
        XCTAssertNil(try store.session(vhostID: 1, backend: "ftps://a:21"))
        try store.setSession(vhostID: 1, backend: "ftps://a:21", session: "PEM-A")
        try store.setSession(vhostID: 2, backend: "ftps://a:21", session: "PEM-A2")
        try store.setSession(vhostID: 1, backend: "ftps://a:21", session: "PEM-A-new")
        store.close()
        store = try SQLiteTLSSessionStore(tablesDirectory: dir.path)
        XCTAssertEqual(try store.session(vhostID: 1, backend: "ftps://a:21"), "PEM-A-new")
        XCTAssertEqual(try store.session(vhostID: 2, backend: "ftps://a:21"), "PEM-A2")
        try store.removeSession(vhostID: 1, backend: "ftps://a:21")
        XCTAssertNil(try store.session(vhostID: 1, backend: "ftps://a:21"))
        store.close()
    }

    func testTLSSessionHostileValues() throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteTLSSessionStore(tablesDirectory: dir.path)
        defer { store.close() }
        XCTAssertDatastoreError(.invalidArgument, try store.setSession(vhostID: 1, backend: "", session: "x"))
        XCTAssertDatastoreError(.invalidArgument, try store.setSession(vhostID: 1, backend: "ftps://a:21", session: ""))
        let huge = String(repeating: "A", count: SQLiteTLSSessionStore.maxSessionLength + 1)
        XCTAssertDatastoreError(.invalidArgument, try store.setSession(vhostID: 1, backend: "ftps://a:21", session: huge))
        // Quotes and SQL in values are data, nothing else.
        let nasty = "ftps://x'); DROP TABLE proxy_tls_sessions; --:21"
        try store.setSession(vhostID: 1, backend: nasty, session: "'\"")
        XCTAssertEqual(try store.session(vhostID: 1, backend: nasty), "'\"")
    }

    func testSSHHostKeysPerBackend() throws {
        let dir = TemporaryDirectory()
        var store = try SQLiteSSHHostKeyStore(tablesDirectory: dir.path)
        let key = SSHHostKey(algorithm: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIBase64")
        XCTAssertNil(try store.hostKey(vhostID: 1, backend: "sftp://b:22"))
        try store.setHostKey(vhostID: 1, backend: "sftp://b:22", key: key)
        store.close()
        store = try SQLiteSSHHostKeyStore(tablesDirectory: dir.path)
        XCTAssertEqual(try store.hostKey(vhostID: 1, backend: "sftp://b:22"), key)
        XCTAssertNil(try store.hostKey(vhostID: 2, backend: "sftp://b:22"))
        let changed = SSHHostKey(algorithm: "rsa-sha2-512", base64: "AAAAB3NzaC1yc2E")
        try store.setHostKey(vhostID: 1, backend: "sftp://b:22", key: changed)
        XCTAssertEqual(try store.hostKey(vhostID: 1, backend: "sftp://b:22"), changed)
        store.close()
    }

    func testSSHHostKeyFirstUseIsRecordedOnceAndTheFirstKeyWins() throws {
        let dir = TemporaryDirectory()
        let one = try SQLiteSSHHostKeyStore(tablesDirectory: dir.path)
        let other = try SQLiteSSHHostKeyStore(tablesDirectory: dir.path)
        defer { one.close(); other.close() }
        let first = SSHHostKey(algorithm: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAIFirst=")
        let second = SSHHostKey(algorithm: "ssh-ed25519", base64: "AAAAC3NzaC1lZDI1NTE5AAAAISecond")
        XCTAssertEqual(try one.recordFirstHostKey(vhostID: 1, backend: "sftp://b:22", key: first), first)
        // A second session seeing another key first gets the recorded one back.
        XCTAssertEqual(try other.recordFirstHostKey(vhostID: 1, backend: "sftp://b:22", key: second), first)
        XCTAssertEqual(try other.hostKey(vhostID: 1, backend: "sftp://b:22"), first)
        XCTAssertEqual(try other.recordFirstHostKey(vhostID: 2, backend: "sftp://b:22", key: second), second)
        XCTAssertDatastoreError(.invalidArgument,
            try one.recordFirstHostKey(vhostID: 3, backend: "sftp://b:22", key: SSHHostKey(algorithm: "a b", base64: "AAAA")))
        XCTAssertNil(try one.hostKey(vhostID: 3, backend: "sftp://b:22"))
    }

    func testSSHHostKeyHostileValues() throws {
        let dir = TemporaryDirectory()
        let store = try SQLiteSSHHostKeyStore(tablesDirectory: dir.path)
        defer { store.close() }
        for algorithm in ["", "has space", "new\nline", String(repeating: "a", count: 65)] {
            XCTAssertDatastoreError(.invalidArgument,
                try store.setHostKey(vhostID: 1, backend: "sftp://b:22", key: SSHHostKey(algorithm: algorithm, base64: "AAAA")))
        }
        XCTAssertDatastoreError(.invalidArgument,
            try store.setHostKey(vhostID: 1, backend: "sftp://b:22", key: SSHHostKey(algorithm: "ssh-rsa", base64: "")))
        XCTAssertDatastoreError(.invalidArgument, try store.hostKey(vhostID: 1, backend: ""))
    }

    func testEachStoreKeepsToItsOwnFile() throws {
        let dir = TemporaryDirectory()
        let tls = try SQLiteTLSSessionStore(tablesDirectory: dir.path)
        let ssh = try SQLiteSSHHostKeyStore(tablesDirectory: dir.path)
        let reverse = try SQLiteReverseDatastore(tablesDirectory: dir.path)
        XCTAssertNotEqual(tls.path, ssh.path)
        XCTAssertNotEqual(tls.path, reverse.path)
        tls.close(); ssh.close(); reverse.close()
        // A reverse-proxy file is not a TLS store: refused, not overwritten.
        XCTAssertDatastoreError(.foreignDatabase,
            try TablesFile.open(tablesDirectory: dir.path, fileName: SQLiteReverseDatastore.fileName,
                                schema: SQLiteTLSSessionStore.schema, busyTimeout: 1))
    }
}
