import CSQLite
import Glibc

/// One process's own connection to an SQLite file.
///
/// Built for the fork model: the master and every session open their own
/// connection, no threads share one. A connection refuses to work in a
/// process other than the one that opened it, because SQLite's locks and
/// file state do not survive fork.
///
/// Every unit of work runs through `transaction`, which retries on
/// SQLITE_BUSY/SQLITE_LOCKED with jittered back-off until `busyDeadline`
/// seconds have passed, then throws `DatastoreError.Kind.busy`.
final class SQLiteConnection {
    enum TransactionMode {
        /// Reads only; takes no lock until the first read.
        case deferred
        /// Read-modify-write: takes the write lock at BEGIN, so two sessions
        /// never read the same state and both act on it.
        case immediate

        var beginSQL: String {
            switch self {
            case .deferred: return "BEGIN DEFERRED"
            case .immediate: return "BEGIN IMMEDIATE"
            }
        }
    }

    let path: String
    let busyDeadline: Double
    private var handle: OpaquePointer?
    private let openerPID: pid_t

    /// Opens (creating if needed, mode 0600) the database at `path`.
    /// Refuses symlinks and anything that is not a regular file.
    init(path: String, busyDeadline: Double) throws {
        self.path = path
        self.busyDeadline = busyDeadline
        self.openerPID = getpid()

        try SQLiteConnection.createPrivateFile(at: path)

        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
            | SQLITE_OPEN_PRIVATECACHE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let database = opened else {
            let message = SQLiteStatement.message(opened, code)
            sqlite3_close_v2(opened)
            throw DatastoreError(sqliteCode: code, "cannot open '\(path)': \(message)")
        }
        handle = database
    }

    deinit {
        close()
    }

    /// Closes the connection. In a forked child that inherited it, the handle
    /// is abandoned instead: closing there could disturb the parent's locks
    /// and write-ahead log.
    ///
    /// First the write-ahead log is checkpointed and cut to zero when no
    /// one else uses it: SQLite's own checkpoint at the last close is
    /// skipped in a chrooted session (it stats the path, finds it gone and
    /// takes the file for moved), so every frame would stay for the next
    /// session to read while it rebuilds the WAL index.
    func close() {
        guard let database = handle else { return }
        if getpid() == openerPID {
            _ = try? truncateWriteAheadLog()
            sqlite3_close_v2(database)
        }
        handle = nil
    }

    // MARK: Running SQL

    /// Runs one or more statements that take no parameters and return no
    /// rows worth reading (DDL, PRAGMAs that set).
    func exec(_ sql: String) throws {
        let database = try usableHandle()
        var errorText: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(database, sql, nil, nil, &errorText)
        defer { sqlite3_free(errorText) }
        guard code == SQLITE_OK else {
            let message = errorText.map { String(cString: $0) } ?? SQLiteStatement.message(database, code)
            throw DatastoreError(sqliteCode: code, "cannot execute '\(sql)' on '\(path)': \(message)")
        }
    }

    /// Copies the write-ahead log into the database and truncates it to
    /// zero bytes, if no other connection is reading or writing now (never
    /// waits); false when it was busy (a later close or checkpoint will do it).
    @discardableResult
    func truncateWriteAheadLog() throws -> Bool {
        let database = try usableHandle()
        sqlite3_busy_timeout(database, 0)
        let code = sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        if code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED { return false }
        guard code == SQLITE_OK else {
            throw DatastoreError(sqliteCode: code, "cannot checkpoint the write-ahead log of '\(path)': "
                                 + SQLiteStatement.message(database, code))
        }
        return true
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(database: try usableHandle(), sql: sql)
    }

    /// Prepares, binds and runs a statement that returns no rows; returns
    /// how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(values)
        try statement.run()
        return Int(sqlite3_changes(try usableHandle()))
    }

    /// Prepares, binds and steps a query, handing each row to `row`.
    func query(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteStatement) throws -> Void) throws {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {
            try row(statement)
        }
    }

    /// The first column of the first row, as an integer; nil when no rows.
    func scalar(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int? {
        var result: Int?
        try query(sql, values) { row in
            if result == nil { result = row.integer(0) }
        }
        return result
    }

    // MARK: Transactions with bounded retry

    /// Runs `body` in a transaction and commits it. On busy/locked the
    /// transaction is rolled back and `body` run again from the start, so it
    /// must not have effects outside the database. Any other error rolls
    /// back and is rethrown.
    func transaction<T>(_ mode: TransactionMode, _ body: () throws -> T) throws -> T {
        try retryingWhileBusy("transaction") {
            try exec(mode.beginSQL)
            do {
                let result = try body()
                try exec("COMMIT")
                return result
            } catch {
                rollbackIfOpen()
                throw error
            }
        }
    }

    /// Runs `operation`, repeating it while SQLite reports busy/locked,
    /// until the deadline; then throws a `.busy` error naming the file.
    func retryingWhileBusy<T>(_ what: String, _ operation: () throws -> T) throws -> T {
        let database = try usableHandle()
        let deadline = RetryDeadline(seconds: busyDeadline)
        var attempt = 0
        while true {
            // SQLite's own busy wait covers most contention; this loop covers
            // the cases it does not hand to it (a snapshot gone stale under a
            // deferred transaction, WAL recovery). Its fixed schedule of naps
            // up to 100 ms beat short jittered polling in measurements: with
            // hundreds of waiters on two cores, frequent polling starves the
            // lock holder of CPU.
            sqlite3_busy_timeout(database, deadline.remainingMillis)
            do {
                return try operation()
            } catch let error as DatastoreError where error.kind == .busy {
                if deadline.hasExpired {
                    throw DatastoreError(.busy,
                        "\(what) on '\(path)' still locked by other sessions after \(busyDeadline) s (\(attempt + 1) attempts): \(error.detail)",
                        sqliteCode: error.sqliteCode)
                }
                deadline.backOff(after: attempt)
                attempt += 1
            }
        }
    }

    private func rollbackIfOpen() {
        guard let database = handle, sqlite3_get_autocommit(database) == 0 else { return }
        _ = sqlite3_exec(database, "ROLLBACK", nil, nil, nil)
    }

    private func usableHandle() throws -> OpaquePointer {
        guard let database = handle else {
            throw DatastoreError(.closed, "connection to '\(path)' was already closed")
        }
        guard getpid() == openerPID else {
            throw DatastoreError(.usedAfterFork,
                "connection to '\(path)' was opened by process \(openerPID), not this one (\(getpid())); open a new one after fork")
        }
        return database
    }

    // MARK: File creation

    /// Creates the file with mode 0600 before SQLite sees it (SQLite would
    /// use 0644); SQLite gives the -wal and -shm files the same mode.
    private static func createPrivateFile(at path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode_t(0o600))
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw DatastoreError(.unusablePath, "cannot open or create '\(path)': \(reason)")
        }
        defer { _ = Glibc.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            throw DatastoreError(.unusablePath, "cannot stat '\(path)': \(reason)")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw DatastoreError(.unusablePath, "'\(path)' is not a regular file")
        }
    }
}
