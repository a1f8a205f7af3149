import CSQLite

/// One prepared statement, finalized when the last reference goes away.
///
/// Statements are short-lived (prepared, stepped, dropped within one
/// transaction), so no cache is kept.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let database: OpaquePointer
    let sql: String

    init(database: OpaquePointer, sql: String) throws {
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v2(database, sql, -1, &prepared, nil)
        guard code == SQLITE_OK, let prepared = prepared else {
            sqlite3_finalize(prepared)
            throw DatastoreError(sqliteCode: code,
                                 "cannot prepare '\(sql)': \(SQLiteStatement.message(database, code))")
        }
        self.handle = prepared
        self.database = database
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding (1-based parameter positions, as in SQL)

    func bind(_ value: Int, at position: Int32) throws {
        try check(sqlite3_bind_int64(handle, position, sqlite3_int64(value)), "bind #\(position)")
    }

    func bind(_ value: String, at position: Int32) throws {
        // Bound with an explicit length, so a value with an embedded NUL is
        // stored whole instead of silently cut short.
        let length = value.utf8.count
        guard length <= Int(Int32.max) else {
            throw DatastoreError(.invalidArgument, "text for parameter #\(position) of '\(sql)' is \(length) bytes, too long")
        }
        let code = value.withCString { pointer in
            sqlite3_bind_text(handle, position, pointer, Int32(length), SQLiteStatement.transient)
        }
        try check(code, "bind #\(position)")
    }

    /// Binds each value in order, starting at position 1.
    func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() {
            let position = Int32(offset + 1)
            switch value {
            case .integer(let number): try bind(number, at: position)
            case .text(let string): try bind(string, at: position)
            case .null: try check(sqlite3_bind_null(handle, position), "bind #\(position)")
            }
        }
    }

    // MARK: Stepping

    /// Advances one row: true when a row is available, false when done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            throw DatastoreError(sqliteCode: code,
                                 "cannot execute '\(sql)': \(SQLiteStatement.message(database, code))")
        }
    }

    /// Runs a statement that returns no rows worth reading.
    func run() throws {
        while try step() {}
    }

    /// Makes the statement ready to bind and run again.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Reading the current row (0-based column positions)

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// The column as an integer; SQLite converts text and NULL (to 0).
    func integer(_ column: Int32) -> Int {
        Int(truncatingIfNeeded: sqlite3_column_int64(handle, column))
    }

    func optionalInteger(_ column: Int32) -> Int? {
        isNull(column) ? nil : integer(column)
    }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: max(count, 0)), as: UTF8.self)
    }

    // MARK: Helpers

    private func check(_ code: Int32, _ action: String) throws {
        guard code == SQLITE_OK else {
            throw DatastoreError(sqliteCode: code,
                                 "cannot \(action) of '\(sql)': \(SQLiteStatement.message(database, code))")
        }
    }

    /// SQLite's message for the last failure on `database`, or the generic
    /// text for `code` when the connection has nothing more specific.
    static func message(_ database: OpaquePointer?, _ code: Int32) -> String {
        if let database = database, let text = sqlite3_errmsg(database) {
            return String(cString: text)
        }
        return String(cString: sqlite3_errstr(code))
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes before returning.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int)
    case text(String)
    case null
}
