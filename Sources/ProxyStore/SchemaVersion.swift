/// The `schema_version` table: one row per schema name, saying which table
/// layout a ProxyTables file holds. Same table as upstream mod_proxy, so its
/// files are recognised (and upgraded) rather than rejected.
struct SchemaVersion {
    let name: String
    let version: Int

    /// What an opened file holds, relative to the schema this code writes.
    enum Status: Equatable {
        /// No tables at all: a new (or zero-length) file.
        case empty
        case current
        /// Our schema, an older layout (e.g. upstream's version 6).
        case older(Int)
        case newer(Int)
        /// Tables, but no `schema_version` row for our schema name.
        case foreign
    }

    func status(in connection: SQLiteConnection) throws -> Status {
        // Reading sqlite_master is also the first real read of the file, so
        // garbage content surfaces here as SQLITE_NOTADB.
        let tableCount = try connection.scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'") ?? 0
        if tableCount == 0 { return .empty }

        let hasVersionTable = try connection.scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'") ?? 0
        guard hasVersionTable > 0 else { return .foreign }

        guard let found = try connection.scalar(
            "SELECT version FROM schema_version WHERE schema = ?", [.text(name)]) else {
            return .foreign
        }
        if found == version { return .current }
        return found < version ? .older(found) : .newer(found)
    }

    /// Creates the table if needed and records this schema's version.
    func record(in connection: SQLiteConnection) throws {
        try connection.exec(
            "CREATE TABLE IF NOT EXISTS schema_version (schema TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL)")
        try connection.run(
            "INSERT INTO schema_version (schema, version) VALUES (?, ?) ON CONFLICT (schema) DO UPDATE SET version = excluded.version",
            [.text(name), .integer(version)])
    }
}
