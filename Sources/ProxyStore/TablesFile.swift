/// The tables a file under ProxyTables holds, for `TablesFile.open`.
struct TablesSchema {
    let version: SchemaVersion
    /// Every table the schema owns (dropped when an older layout is replaced).
    let tables: [String]
    /// CREATE statements for tables and indexes.
    let creationSQL: [String]

    /// Creates every table and index, then records the version.
    /// Call inside an immediate transaction.
    func create(in connection: SQLiteConnection) throws {
        for statement in creationSQL {
            try connection.exec(statement)
        }
        try version.record(in: connection)
    }

    /// Replaces an older layout: the state is counters, caches and maps that
    /// the module rebuilds, so nothing of value is lost.
    func replaceOlder(in connection: SQLiteConnection) throws {
        for table in tables {
            try connection.exec("DROP TABLE IF EXISTS \(table)")
        }
        try create(in: connection)
    }
}

/// Opening an SQLite file under ProxyTables: WAL mode, and the expected
/// schema (an empty file gets it, an older layout is replaced, a newer one
/// or a foreign database is refused). Shared by every store.
enum TablesFile {
    static func open(tablesDirectory: String, fileName: String, schema: TablesSchema,
                     busyTimeout: Double) throws -> (path: String, connection: SQLiteConnection) {
        guard !tablesDirectory.isEmpty else {
            throw DatastoreError(.invalidArgument, "ProxyTables directory is empty")
        }
        guard busyTimeout.isFinite, busyTimeout >= 0 else {
            throw DatastoreError(.invalidArgument, "busy timeout \(busyTimeout) s is not a non-negative number")
        }
        let separator = tablesDirectory.hasSuffix("/") ? "" : "/"
        let path = tablesDirectory + separator + fileName
        let connection = try SQLiteConnection(path: path, busyDeadline: busyTimeout)
        do {
            try configure(connection)
            try ensureSchema(schema, connection, path)
        } catch let error as DatastoreError where error.kind == .notADatabase || error.kind == .corrupt {
            throw DatastoreError(error.kind,
                "'\(path)' is not a usable SQLite database; move it aside to start afresh (\(error.detail))",
                sqliteCode: error.sqliteCode)
        }
        return (path, connection)
    }

    private static func configure(_ connection: SQLiteConnection) throws {
        try connection.retryingWhileBusy("configuring") {
            // WAL: readers never wait for the writer. If the file system
            // cannot do WAL, SQLite keeps the old journal mode, which is
            // slower but still correct.
            try connection.exec("PRAGMA journal_mode = WAL")
            // In WAL mode NORMAL loses at most the last commits on power
            // failure, never consistency; this state is cheap to lose.
            try connection.exec("PRAGMA synchronous = NORMAL")
            try connection.exec("PRAGMA temp_store = MEMORY")
            // A small WAL while sessions overlap (each new connection reads
            // all of it): checkpoints every 256 pages, and the file cut back
            // to 1 MiB when a checkpoint lets it restart. The last close cuts
            // it to zero (SQLiteConnection.close).
            try connection.exec("PRAGMA wal_autocheckpoint = 256")
            try connection.exec("PRAGMA journal_size_limit = 1048576")
        }
    }

    private static func ensureSchema(_ schema: TablesSchema, _ connection: SQLiteConnection, _ path: String) throws {
        // Sessions usually find the current schema: a read, no write lock.
        let seen = try connection.transaction(.deferred) { try schema.version.status(in: connection) }
        guard try needsSchemaWrite(seen, schema, path) else { return }
        try connection.transaction(.immediate) {
            // Re-read: another process may have created it meanwhile.
            let status = try schema.version.status(in: connection)
            guard try needsSchemaWrite(status, schema, path) else { return }
            if case .older = status {
                try schema.replaceOlder(in: connection)
            } else {
                try schema.create(in: connection)
            }
        }
    }

    /// Whether the file needs the schema written; throws for files that
    /// must not be touched.
    private static func needsSchemaWrite(_ status: SchemaVersion.Status, _ schema: TablesSchema, _ path: String) throws -> Bool {
        let version = schema.version
        switch status {
        case .current:
            return false
        case .empty, .older:
            return true
        case .newer(let found):
            throw DatastoreError(.schemaTooNew,
                "'\(path)' has schema '\(version.name)' version \(found); this module supports up to version \(version.version)")
        case .foreign:
            throw DatastoreError(.foreignDatabase,
                "'\(path)' is an SQLite database without a '\(version.name)' schema_version row; not touching it")
        }
    }
}
