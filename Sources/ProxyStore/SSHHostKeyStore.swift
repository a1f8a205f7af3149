/// Backend SSH host keys as first seen (trust on first use), one per backend
/// URL within a vhost, for ProxySFTPVerifyServer.
public protocol SSHHostKeyStore: AnyObject {
    func hostKey(vhostID: Int, backend: String) throws -> SSHHostKey?
    /// Records `key` unless the backend has a key already, in one atomic
    /// step (of two sessions or proxies seeing the backend first, one wins);
    /// returns the key recorded now, the winner's.
    func recordFirstHostKey(vhostID: Int, backend: String, key: SSHHostKey) throws -> SSHHostKey
    /// Records (or replaces) the backend's key.
    func setHostKey(vhostID: Int, backend: String, key: SSHHostKey) throws
    func close()
}

/// A host key: its algorithm name ("ssh-ed25519", ...) and its public key
/// blob in base64, as in known_hosts.
public struct SSHHostKey: Equatable, Sendable {
    public let algorithm: String
    public let base64: String

    public init(algorithm: String, base64: String) {
        self.algorithm = algorithm
        self.base64 = base64
    }

    /// Throws unless the key can be stored: a printable algorithm name of at
    /// most 64 bytes, a blob of 1...`SQLiteSSHHostKeyStore.maxKeyLength`.
    public func checkStorable(for backend: String) throws {
        guard !algorithm.isEmpty, algorithm.utf8.count <= 64,
              algorithm.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw DatastoreError(.invalidArgument, "host key algorithm '\(algorithm.prefix(64))' for \(backend) is not a valid name")
        }
        guard !base64.isEmpty, base64.utf8.count <= SQLiteSSHHostKeyStore.maxKeyLength else {
            throw DatastoreError(.invalidArgument,
                "host key for \(backend) is \(base64.utf8.count) bytes; expected 1...\(SQLiteSSHHostKeyStore.maxKeyLength)")
        }
    }
}

/// `SSHHostKeyStore` in `<ProxyTables>/proxy-ssh.db`.
public final class SQLiteSSHHostKeyStore: SSHHostKeyStore {
    public static let fileName = "proxy-ssh.db"
    /// Larger than any real key (an RSA 16384 blob is under 3 KiB in base64).
    public static let maxKeyLength = 16 * 1024

    static let table = "proxy_ssh_hostkeys"
    static let schema = TablesSchema(
        version: SchemaVersion(name: "proxy_ssh", version: 1),
        tables: [table],
        creationSQL: ["""
            CREATE TABLE IF NOT EXISTS \(table) (vhost_id INTEGER NOT NULL, backend_uri TEXT NOT NULL, \
            algo TEXT NOT NULL, hostkey TEXT NOT NULL, UNIQUE (vhost_id, backend_uri))
            """])

    private let file: BackendKeyedText
    public var path: String { file.path }

    public init(tablesDirectory: String, busyTimeout: Double = 5) throws {
        file = try BackendKeyedText(tablesDirectory: tablesDirectory, fileName: Self.fileName,
                                    schema: Self.schema, table: Self.table, busyTimeout: busyTimeout)
    }

    public func close() { file.close() }

    public func hostKey(vhostID: Int, backend: String) throws -> SSHHostKey? {
        let algorithm = try file.read(column: "algo", vhostID: vhostID, backend: backend)
        let key = try file.read(column: "hostkey", vhostID: vhostID, backend: backend)
        guard let algorithm, let key else { return nil }
        return SSHHostKey(algorithm: algorithm, base64: key)
    }

    public func recordFirstHostKey(vhostID: Int, backend: String, key: SSHHostKey) throws -> SSHHostKey {
        try key.checkStorable(for: backend)
        try file.writeIfAbsent(columns: ["algo", "hostkey"], values: [.text(key.algorithm), .text(key.base64)],
                               vhostID: vhostID, backend: backend)
        guard let recorded = try hostKey(vhostID: vhostID, backend: backend) else {
            throw DatastoreError(.invalidArgument, "the host key of \(backend) was recorded but cannot be read back")
        }
        return recorded
    }

    public func setHostKey(vhostID: Int, backend: String, key: SSHHostKey) throws {
        try key.checkStorable(for: backend)
        try file.write(columns: ["algo", "hostkey"], values: [.text(key.algorithm), .text(key.base64)],
                       vhostID: vhostID, backend: backend)
    }
}
