/// `ReverseDatastore` kept in `<ProxyTables>/proxy-reverse.db`.
///
/// Each process opens its own instance: the master once at startup (then
/// closes it before forking sessions), each session after fork. Writes that
/// depend on what was read run in `BEGIN IMMEDIATE` transactions, so two
/// sessions never both take the same round-robin slot; the file is in WAL
/// mode so readers do not wait for writers. Lock waits are bounded by
/// `busyTimeout` seconds, after which a `.busy` error is thrown.
public final class SQLiteReverseDatastore: ReverseDatastore {
    public static let fileName = "proxy-reverse.db"
    /// Upper bound on a shuffle cycle's length, so a bogus count cannot make
    /// one call insert millions of rows.
    public static let maxShuffleCount = 65_536

    public let path: String
    private let connection: SQLiteConnection
    private let stickyEntryLimit: Int

    /// Opens or creates the datastore file in `tablesDirectory` (which must
    /// exist) and makes sure it holds the current schema: an empty file gets
    /// it, an older layout is replaced, a newer one or a foreign database is
    /// refused.
    ///
    /// - Parameters:
    ///   - busyTimeout: seconds one call may wait for other sessions' locks.
    ///   - stickyEntryLimit: entries per sticky table before the oldest are
    ///     evicted (upstream caps these tables at 8192 too).
    public init(tablesDirectory: String, busyTimeout: Double = 5, stickyEntryLimit: Int = 8192) throws {
        guard !tablesDirectory.isEmpty else {
            throw DatastoreError(.invalidArgument, "ProxyTables directory is empty")
        }
        guard busyTimeout.isFinite, busyTimeout >= 0 else {
            throw DatastoreError(.invalidArgument, "busy timeout \(busyTimeout) s is not a non-negative number")
        }
        guard stickyEntryLimit > 0 else {
            throw DatastoreError(.invalidArgument, "sticky entry limit \(stickyEntryLimit) must be positive")
        }
        let separator = tablesDirectory.hasSuffix("/") ? "" : "/"
        path = tablesDirectory + separator + SQLiteReverseDatastore.fileName
        self.stickyEntryLimit = stickyEntryLimit
        connection = try SQLiteConnection(path: path, busyDeadline: busyTimeout)
        do {
            try configure()
            try ensureSchema()
        } catch let error as DatastoreError where error.kind == .notADatabase || error.kind == .corrupt {
            throw DatastoreError(error.kind,
                "'\(path)' is not a usable SQLite database; move it aside to start afresh (\(error.detail))",
                sqliteCode: error.sqliteCode)
        }
    }

    public func close() {
        connection.close()
    }

    // MARK: Opening

    private func configure() throws {
        try connection.retryingWhileBusy("configuring") {
            // WAL: readers never wait for the writer. If the file system
            // cannot do WAL, SQLite keeps the old journal mode, which is
            // slower but still correct.
            try connection.exec("PRAGMA journal_mode = WAL")
            // In WAL mode NORMAL loses at most the last commits on power
            // failure, never consistency; counters are cheap to lose.
            try connection.exec("PRAGMA synchronous = NORMAL")
            try connection.exec("PRAGMA temp_store = MEMORY")
        }
    }

    private func ensureSchema() throws {
        let schema = ReverseSchema.version
        // Sessions usually find the current schema: a read, no write lock.
        let seen = try connection.transaction(.deferred) { try schema.status(in: connection) }
        guard try needsSchemaWrite(seen) else { return }
        try connection.transaction(.immediate) {
            // Re-read: another process may have created it meanwhile.
            let status = try schema.status(in: connection)
            guard try needsSchemaWrite(status) else { return }
            if case .older = status {
                try ReverseSchema.replaceOlder(in: connection)
            } else {
                try ReverseSchema.create(in: connection)
            }
        }
    }

    /// Whether the file needs the schema written; throws for files that
    /// must not be touched.
    private func needsSchemaWrite(_ status: SchemaVersion.Status) throws -> Bool {
        let schema = ReverseSchema.version
        switch status {
        case .current:
            return false
        case .empty, .older:
            return true
        case .newer(let found):
            throw DatastoreError(.schemaTooNew,
                "'\(path)' has schema '\(schema.name)' version \(found); this module supports up to version \(schema.version)")
        case .foreign:
            throw DatastoreError(.foreignDatabase,
                "'\(path)' is an SQLite database without a '\(schema.name)' schema_version row; not touching it")
        }
    }

    // MARK: Master side

    @discardableResult
    public func prepare(vhostID: Int, vhostName: String, backends urls: [String]) throws -> Bool {
        if let blank = urls.firstIndex(where: { $0.isEmpty }) {
            throw DatastoreError(.invalidArgument, "backend #\(blank) of vhost \(vhostID) has an empty URL")
        }
        return try connection.transaction(.immediate) {
            try connection.run("""
                INSERT INTO \(ReverseSchema.vhosts) (vhost_id, vhost_name) VALUES (?, ?) \
                ON CONFLICT (vhost_id) DO UPDATE SET vhost_name = excluded.vhost_name
                """, [.integer(vhostID), .text(vhostName)])

            var recorded: [(index: Int, url: String)] = []
            try connection.query(
                "SELECT backend_id, backend_uri FROM \(ReverseSchema.backends) WHERE vhost_id = ? ORDER BY backend_id",
                [.integer(vhostID)]) { row in
                recorded.append((row.integer(0), row.text(1) ?? ""))
            }
            let unchanged = recorded.count == urls.count
                && recorded.enumerated().allSatisfy { $0.offset == $0.element.index && urls[$0.offset] == $0.element.url }
            if unchanged { return false }

            try forgetVhostState(vhostID)
            let insert = try connection.prepare("""
                INSERT INTO \(ReverseSchema.backends) (vhost_id, backend_id, backend_uri, conn_count, connect_ms, unhealthy) \
                VALUES (?, ?, ?, 0, NULL, 0)
                """)
            for (index, url) in urls.enumerated() {
                try insert.bind([.integer(vhostID), .integer(index), .text(url)])
                try insert.run()
                insert.reset()
            }
            return true
        }
    }

    public func resetAll() throws {
        try connection.transaction(.immediate) {
            for table in ReverseSchema.tables {
                try connection.run("DELETE FROM \(table)")
            }
        }
    }

    /// Drops a vhost's backends, cursors and sticky entries (which may name
    /// backends that are no longer configured).
    private func forgetVhostState(_ vhostID: Int) throws {
        let tables = [ReverseSchema.backends, ReverseSchema.roundRobin, ReverseSchema.shuffle]
            + StickyPolicy.allCases.map(ReverseSchema.stickyTable)
        for table in tables {
            try connection.run("DELETE FROM \(table) WHERE vhost_id = ?", [.integer(vhostID)])
        }
    }

    // MARK: Selection

    public func nextRoundRobin(vhostID: Int, count: Int) throws -> Int {
        guard count > 0 else {
            throw DatastoreError(.invalidArgument, "round robin over \(count) backends for vhost \(vhostID)")
        }
        return try connection.transaction(.immediate) {
            // The row holds the index handed out last; a missing or
            // out-of-range one (the list shrank) restarts at 0.
            let last = try connection.scalar(
                "SELECT current_backend_id FROM \(ReverseSchema.roundRobin) WHERE vhost_id = ?", [.integer(vhostID)])
            var next = 0
            if let last = last, last >= 0, last < count - 1 {
                next = last + 1
            }
            try connection.run("""
                INSERT INTO \(ReverseSchema.roundRobin) (vhost_id, current_backend_id) VALUES (?, ?) \
                ON CONFLICT (vhost_id) DO UPDATE SET current_backend_id = excluded.current_backend_id
                """, [.integer(vhostID), .integer(next)])
            return next
        }
    }

    public func nextShuffle(vhostID: Int, count: Int, random: (Int) -> Int) throws -> Int {
        guard count > 0, count <= SQLiteReverseDatastore.maxShuffleCount else {
            throw DatastoreError(.invalidArgument,
                "shuffle over \(count) backends for vhost \(vhostID); expected 1...\(SQLiteReverseDatastore.maxShuffleCount)")
        }
        return try connection.transaction(.immediate) {
            // The table holds the indexes not yet handed out this cycle.
            var available: [Int] = []
            try connection.query(
                "SELECT avail_backend_id FROM \(ReverseSchema.shuffle) WHERE vhost_id = ? ORDER BY avail_backend_id",
                [.integer(vhostID)]) { row in
                let index = row.integer(0)
                if index >= 0 && index < count { available.append(index) }
            }
            if available.isEmpty {
                try startShuffleCycle(vhostID: vhostID, count: count)
                available = Array(0..<count)
            }
            let drawn = random(available.count)
            let position = ((drawn % available.count) + available.count) % available.count
            let chosen = available[position]
            try connection.run(
                "DELETE FROM \(ReverseSchema.shuffle) WHERE vhost_id = ? AND avail_backend_id = ?",
                [.integer(vhostID), .integer(chosen)])
            return chosen
        }
    }

    private func startShuffleCycle(vhostID: Int, count: Int) throws {
        try connection.run("DELETE FROM \(ReverseSchema.shuffle) WHERE vhost_id = ?", [.integer(vhostID)])
        let insert = try connection.prepare(
            "INSERT INTO \(ReverseSchema.shuffle) (vhost_id, avail_backend_id) VALUES (?, ?)")
        for index in 0..<count {
            try insert.bind([.integer(vhostID), .integer(index)])
            try insert.run()
            insert.reset()
        }
    }

    public func leastConnections(vhostID: Int, candidates: [Int]) throws -> Int {
        let states = try candidateStates(vhostID: vhostID, candidates: candidates)
        guard let best = BackendRanking.leastConnections(states) else {
            throw DatastoreError(.invalidArgument, "no candidates for least connections in vhost \(vhostID)")
        }
        return best.index
    }

    public func leastResponseTime(vhostID: Int, candidates: [Int]) throws -> Int {
        let states = try candidateStates(vhostID: vhostID, candidates: candidates)
        guard let best = BackendRanking.leastResponseTime(states) else {
            throw DatastoreError(.invalidArgument, "no candidates for least response time in vhost \(vhostID)")
        }
        return best.index
    }

    /// The recorded state of each candidate; one without a row (not
    /// recorded by `prepare`) counts as idle, unmeasured and healthy.
    private func candidateStates(vhostID: Int, candidates: [Int]) throws -> [ReverseBackendState] {
        guard !candidates.isEmpty else {
            throw DatastoreError(.invalidArgument, "empty candidate list for vhost \(vhostID)")
        }
        if let negative = candidates.first(where: { $0 < 0 }) {
            throw DatastoreError(.invalidArgument, "candidate index \(negative) for vhost \(vhostID) is negative")
        }
        var recorded: [Int: ReverseBackendState] = [:]
        for state in try backends(vhostID: vhostID) {
            recorded[state.index] = state
        }
        return candidates.map { recorded[$0] ?? ReverseBackendState(index: $0, url: "") }
    }

    // MARK: Bookkeeping

    public func recordConnected(vhostID: Int, index: Int, connectMillis: Int) throws {
        guard connectMillis >= 0 else {
            throw DatastoreError(.invalidArgument, "connect time \(connectMillis) ms for backend \(index) of vhost \(vhostID) is negative")
        }
        try updateBackend(vhostID: vhostID, index: index,
            set: "conn_count = MAX(conn_count, 0) + 1, connect_ms = ?", [.integer(connectMillis)])
    }

    public func recordDisconnected(vhostID: Int, index: Int) throws {
        try updateBackend(vhostID: vhostID, index: index, set: "conn_count = MAX(conn_count - 1, 0)", [])
    }

    public func setHealthy(vhostID: Int, index: Int, healthy: Bool) throws {
        try updateBackend(vhostID: vhostID, index: index, set: "unhealthy = ?", [.integer(healthy ? 0 : 1)])
    }

    private func updateBackend(vhostID: Int, index: Int, set assignments: String, _ values: [SQLiteValue]) throws {
        guard index >= 0 else {
            throw DatastoreError(.invalidArgument, "backend index \(index) for vhost \(vhostID) is negative")
        }
        let changed = try connection.transaction(.immediate) {
            try connection.run(
                "UPDATE \(ReverseSchema.backends) SET \(assignments) WHERE vhost_id = ? AND backend_id = ?",
                values + [.integer(vhostID), .integer(index)])
        }
        guard changed > 0 else {
            throw DatastoreError(.unknownBackend, "no backend \(index) recorded for vhost \(vhostID) in '\(path)'")
        }
    }

    public func backends(vhostID: Int) throws -> [ReverseBackendState] {
        try connection.transaction(.deferred) {
            var states: [ReverseBackendState] = []
            try connection.query("""
                SELECT backend_id, backend_uri, conn_count, connect_ms, unhealthy \
                FROM \(ReverseSchema.backends) WHERE vhost_id = ? ORDER BY backend_id
                """, [.integer(vhostID)]) { row in
                states.append(ReverseBackendState(
                    index: row.integer(0), url: row.text(1) ?? "", connCount: row.integer(2),
                    connectMillis: row.optionalInteger(3), healthy: row.integer(4) == 0))
            }
            return states
        }
    }

    // MARK: Sticky maps

    public func stickyBackend(policy: StickyPolicy, vhostID: Int, key: String) throws -> String? {
        try checkStickyKey(policy, vhostID, key)
        let table = ReverseSchema.stickyTable(policy), column = ReverseSchema.stickyKeyColumn(policy)
        return try connection.transaction(.deferred) {
            var url: String?
            try connection.query(
                "SELECT backend_uri FROM \(table) WHERE vhost_id = ? AND \(column) = ?",
                [.integer(vhostID), .text(key)]) { row in
                url = row.text(0)
            }
            return url
        }
    }

    public func setStickyBackend(policy: StickyPolicy, vhostID: Int, key: String, url: String) throws {
        try checkStickyKey(policy, vhostID, key)
        guard !url.isEmpty else {
            throw DatastoreError(.invalidArgument, "empty backend URL for \(policy.rawValue) '\(key)' in vhost \(vhostID)")
        }
        let table = ReverseSchema.stickyTable(policy), column = ReverseSchema.stickyKeyColumn(policy)
        try connection.transaction(.immediate) {
            let exists = try connection.scalar(
                "SELECT COUNT(*) FROM \(table) WHERE vhost_id = ? AND \(column) = ?",
                [.integer(vhostID), .text(key)]) ?? 0
            if exists == 0 {
                try evictOldestSticky(table: table)
            }
            try connection.run("""
                INSERT INTO \(table) (vhost_id, \(column), backend_uri) VALUES (?, ?, ?) \
                ON CONFLICT (vhost_id, \(column)) DO UPDATE SET backend_uri = excluded.backend_uri
                """, [.integer(vhostID), .text(key), .text(url)])
        }
    }

    /// Keeps a sticky table below its limit by removing the entries added
    /// first (upstream empties the whole table instead, losing every mapping).
    private func evictOldestSticky(table: String) throws {
        let entries = try connection.scalar("SELECT COUNT(*) FROM \(table)") ?? 0
        guard entries >= stickyEntryLimit else { return }
        try connection.run(
            "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) ORDER BY rowid LIMIT ?)",
            [.integer(entries - stickyEntryLimit + 1)])
    }

    private func checkStickyKey(_ policy: StickyPolicy, _ vhostID: Int, _ key: String) throws {
        guard !key.isEmpty else {
            throw DatastoreError(.invalidArgument, "empty \(policy.rawValue) key for sticky lookup in vhost \(vhostID)")
        }
    }
}
