/// A tables file whose one table holds text keyed by (vhost, backend URL):
/// the shape the TLS-session and SSH host-key stores share.
final class BackendKeyedText {
    let path: String
    private let connection: SQLiteConnection
    private let table: String

    init(tablesDirectory: String, fileName: String, schema: TablesSchema, table: String, busyTimeout: Double) throws {
        (path, connection) = try TablesFile.open(tablesDirectory: tablesDirectory, fileName: fileName,
                                                 schema: schema, busyTimeout: busyTimeout)
        self.table = table
    }

    func close() { connection.close() }

    func read(column: String, vhostID: Int, backend: String) throws -> String? {
        try check(backend, vhostID)
        return try connection.transaction(.deferred) {
            var value: String?
            try connection.query("SELECT \(column) FROM \(table) WHERE vhost_id = ? AND backend_uri = ?",
                                 [.integer(vhostID), .text(backend)]) { value = $0.text(0) }
            return value
        }
    }

    /// Inserts or replaces the row's `columns`.
    func write(columns: [String], values: [SQLiteValue], vhostID: Int, backend: String) throws {
        try check(backend, vhostID)
        let names = columns.joined(separator: ", ")
        let marks = columns.map { _ in "?" }.joined(separator: ", ")
        let updates = columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try connection.transaction(.immediate) {
            try connection.run("""
                INSERT INTO \(table) (vhost_id, backend_uri, \(names)) VALUES (?, ?, \(marks)) \
                ON CONFLICT (vhost_id, backend_uri) DO UPDATE SET \(updates)
                """, [.integer(vhostID), .text(backend)] + values)
        }
    }

    /// Inserts the row unless (vhost, backend) has one already; an existing
    /// row is left as it is.
    func writeIfAbsent(columns: [String], values: [SQLiteValue], vhostID: Int, backend: String) throws {
        try check(backend, vhostID)
        let names = columns.joined(separator: ", ")
        let marks = columns.map { _ in "?" }.joined(separator: ", ")
        try connection.transaction(.immediate) {
            try connection.run("""
                INSERT INTO \(table) (vhost_id, backend_uri, \(names)) VALUES (?, ?, \(marks)) \
                ON CONFLICT (vhost_id, backend_uri) DO NOTHING
                """, [.integer(vhostID), .text(backend)] + values)
        }
    }

    func remove(vhostID: Int, backend: String) throws {
        try check(backend, vhostID)
        try connection.transaction(.immediate) {
            try connection.run("DELETE FROM \(table) WHERE vhost_id = ? AND backend_uri = ?",
                               [.integer(vhostID), .text(backend)])
        }
    }

    private func check(_ backend: String, _ vhostID: Int) throws {
        guard !backend.isEmpty else {
            throw DatastoreError(.invalidArgument, "empty backend URL for vhost \(vhostID)")
        }
    }
}
