/// Cached TLS sessions toward backends, one per backend URL within a vhost,
/// so a new proxy session can resume the TLS session of an earlier one
/// (faster handshakes). The session is the caller's encoding (PEM text).
public protocol TLSSessionStore: AnyObject {
    func session(vhostID: Int, backend: String) throws -> String?
    /// Records (or replaces) the backend's session.
    func setSession(vhostID: Int, backend: String, session: String) throws
    /// Forgets it (the backend refused to resume it).
    func removeSession(vhostID: Int, backend: String) throws
    func close()
}

/// `TLSSessionStore` in `<ProxyTables>/proxy-tls.db`.
public final class SQLiteTLSSessionStore: TLSSessionStore {
    public static let fileName = "proxy-tls.db"
    /// A session longer than this is refused: a PEM session is a few KiB.
    public static let maxSessionLength = 64 * 1024

    static let table = "proxy_tls_sessions"
    static let schema = TablesSchema(
        version: SchemaVersion(name: "proxy_tls", version: 1),
        tables: [table],
        creationSQL: ["""
            CREATE TABLE IF NOT EXISTS \(table) (vhost_id INTEGER NOT NULL, backend_uri TEXT NOT NULL, \
            session TEXT NOT NULL, UNIQUE (vhost_id, backend_uri))
            """])

    private let file: BackendKeyedText
    public var path: String { file.path }

    public init(tablesDirectory: String, busyTimeout: Double = 5) throws {
        file = try BackendKeyedText(tablesDirectory: tablesDirectory, fileName: Self.fileName,
                                    schema: Self.schema, table: Self.table, busyTimeout: busyTimeout)
    }

    public func close() { file.close() }

    public func session(vhostID: Int, backend: String) throws -> String? {
        try file.read(column: "session", vhostID: vhostID, backend: backend)
    }

    public func setSession(vhostID: Int, backend: String, session: String) throws {
        guard !session.isEmpty, session.utf8.count <= Self.maxSessionLength else {
            throw DatastoreError(.invalidArgument,
                "TLS session for \(backend) is \(session.utf8.count) bytes; expected 1...\(Self.maxSessionLength)")
        }
        try file.write(columns: ["session"], values: [.text(session)], vhostID: vhostID, backend: backend)
    }

    public func removeSession(vhostID: Int, backend: String) throws {
        try file.remove(vhostID: vhostID, backend: backend)
    }
}
