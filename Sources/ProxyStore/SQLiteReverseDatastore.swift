import ProxyCore

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
        guard stickyEntryLimit > 0 else {
            throw DatastoreError(.invalidArgument, "sticky entry limit \(stickyEntryLimit) must be positive")
        }
        self.stickyEntryLimit = stickyEntryLimit
        (path, connection) = try TablesFile.open(tablesDirectory: tablesDirectory, fileName: Self.fileName,
                                                 schema: ReverseSchema.schema, busyTimeout: busyTimeout)
    }

    public func close() {
        connection.close()
    }

    // MARK: Master side

    public func register(vhostID: Int, vhostName: String, backends urls: [String]) throws {
        try DatastoreArguments.urls(urls, vhostID: vhostID)
        try connection.transaction(.immediate) {
            try connection.run("""
                INSERT INTO \(ReverseSchema.vhosts) (vhost_id, vhost_name) VALUES (?, ?) \
                ON CONFLICT (vhost_id) DO UPDATE SET vhost_name = excluded.vhost_name
                """, [.integer(vhostID), .text(vhostName)])
            _ = try ensureRows(vhostID: vhostID, urls: urls)
        }
    }

    @discardableResult
    public func resetUnlessOwnedBy(master: DaemonIdentity) throws -> Bool {
        try connection.transaction(.immediate) {
            var owner: DaemonIdentity?
            try connection.query("SELECT master_pid, master_started FROM \(ReverseSchema.daemon)") { row in
                owner = DaemonIdentity(pid: row.integer(0), started: row.integer(1))
            }
            guard owner != master else { return false }
            // A new daemon: no session of the old one is alive, so the
            // recorded counts are stale, and so is everything else.
            for table in ReverseSchema.tables {
                try connection.run("DELETE FROM \(table)")
            }
            try connection.run("INSERT INTO \(ReverseSchema.daemon) (master_pid, master_started) VALUES (?, ?)",
                               [.integer(master.pid), .integer(master.started)])
            return true
        }
    }

    // MARK: Rows keyed by URL

    /// Gives every URL without a row one, with the next free id, and
    /// returns each URL's id. Call inside an immediate transaction.
    private func ensureRows(vhostID: Int, urls: [String]) throws -> [String: Int] {
        var ids = try recordedIDs(vhostID: vhostID)
        let missing = urls.filter { ids[$0] == nil }
        guard !missing.isEmpty else { return ids }
        var next = (ids.values.max() ?? -1) + 1
        let insert = try connection.prepare("""
            INSERT INTO \(ReverseSchema.backends) (vhost_id, backend_id, backend_uri, conn_count, connect_ms, unhealthy_until) \
            VALUES (?, ?, ?, 0, NULL, 0)
            """)
        for url in missing where ids[url] == nil {
            try insert.bind([.integer(vhostID), .integer(next), .text(url)])
            try insert.run()
            insert.reset()
            ids[url] = next
            next += 1
        }
        return ids
    }

    private func recordedIDs(vhostID: Int) throws -> [String: Int] {
        var ids: [String: Int] = [:]
        try connection.query(
            "SELECT backend_uri, backend_id FROM \(ReverseSchema.backends) WHERE vhost_id = ?",
            [.integer(vhostID)]) { row in
            if let url = row.text(0) { ids[url] = row.integer(1) }
        }
        return ids
    }

    // MARK: Selection

    public func states(vhostID: Int, candidates urls: [String]) throws -> [BackendState] {
        try connection.transaction(.deferred) { try readStates(vhostID: vhostID, candidates: urls) }
    }

    private func readStates(vhostID: Int, candidates urls: [String]) throws -> [BackendState] {
        var recorded: [String: BackendState] = [:]
        for state in try readBackends(vhostID: vhostID) {
            recorded[state.url] = state
        }
        return urls.map { recorded[$0] ?? BackendState(url: $0) }
    }

    public func claimRoundRobin(vhostID: Int, candidates urls: [String], now: Int) throws -> Int {
        try DatastoreArguments.candidates(urls, vhostID: vhostID, "round robin")
        return try connection.transaction(.immediate) {
            let ids = try ensureRows(vhostID: vhostID, urls: urls)
            let cursorID = try connection.scalar(
                "SELECT current_backend_id FROM \(ReverseSchema.roundRobin) WHERE vhost_id = ?", [.integer(vhostID)])
            // The last occurrence, so a URL listed twice cannot trap the cursor.
            let cursor = cursorID.flatMap { id in urls.lastIndex { ids[$0] == id } }
            let states = try readStates(vhostID: vhostID, candidates: urls)
            let pick = FailoverOrder.roundRobinPick(count: urls.count, after: cursor) {
                states[$0].isHealthy(at: now)
            } ?? 0
            try writeCursor(vhostID: vhostID, backendID: ids[urls[pick]] ?? 0)
            return pick
        }
    }

    public func setRoundRobinCursor(vhostID: Int, url: String) throws {
        try DatastoreArguments.urls([url], vhostID: vhostID)
        try connection.transaction(.immediate) {
            let ids = try ensureRows(vhostID: vhostID, urls: [url])
            try writeCursor(vhostID: vhostID, backendID: ids[url] ?? 0)
        }
    }

    private func writeCursor(vhostID: Int, backendID: Int) throws {
        try connection.run("""
            INSERT INTO \(ReverseSchema.roundRobin) (vhost_id, current_backend_id) VALUES (?, ?) \
            ON CONFLICT (vhost_id) DO UPDATE SET current_backend_id = excluded.current_backend_id
            """, [.integer(vhostID), .integer(backendID)])
    }

    public func claimShuffle(vhostID: Int, candidates urls: [String], random: (Int) -> Int) throws -> Int {
        try DatastoreArguments.candidates(urls, vhostID: vhostID, "shuffle")
        guard urls.count <= SQLiteReverseDatastore.maxShuffleCount else {
            throw DatastoreError(.invalidArgument,
                "shuffle over \(urls.count) backends for vhost \(vhostID); expected 1...\(SQLiteReverseDatastore.maxShuffleCount)")
        }
        return try connection.transaction(.immediate) {
            let ids = try ensureRows(vhostID: vhostID, urls: urls)
            // The table holds the ids not yet handed out this cycle.
            var availableIDs = Set<Int>()
            try connection.query(
                "SELECT avail_backend_id FROM \(ReverseSchema.shuffle) WHERE vhost_id = ?",
                [.integer(vhostID)]) { row in
                availableIDs.insert(row.integer(0))
            }
            var available = urls.indices.filter { ids[urls[$0]].map(availableIDs.contains) ?? false }
            if available.isEmpty {
                try startShuffleCycle(vhostID: vhostID, ids: urls.compactMap { ids[$0] })
                available = Array(urls.indices)
            }
            let drawn = random(available.count)
            let chosen = available[((drawn % available.count) + available.count) % available.count]
            try connection.run(
                "DELETE FROM \(ReverseSchema.shuffle) WHERE vhost_id = ? AND avail_backend_id = ?",
                [.integer(vhostID), .integer(ids[urls[chosen]] ?? -1)])
            return chosen
        }
    }

    private func startShuffleCycle(vhostID: Int, ids: [Int]) throws {
        try connection.run("DELETE FROM \(ReverseSchema.shuffle) WHERE vhost_id = ?", [.integer(vhostID)])
        let insert = try connection.prepare(
            "INSERT OR IGNORE INTO \(ReverseSchema.shuffle) (vhost_id, avail_backend_id) VALUES (?, ?)")
        for id in ids {
            try insert.bind([.integer(vhostID), .integer(id)])
            try insert.run()
            insert.reset()
        }
    }

    // MARK: Bookkeeping

    public func recordConnected(vhostID: Int, url: String, connectMillis: Int) throws {
        try DatastoreArguments.connectMillis(connectMillis, url: url, vhostID: vhostID)
        try updateBackend(vhostID: vhostID, url: url, createIfMissing: true,
            set: "conn_count = MAX(conn_count, 0) + 1, connect_ms = ?, unhealthy_until = 0", [.integer(connectMillis)])
    }

    public func recordDisconnected(vhostID: Int, url: String) throws {
        try updateBackend(vhostID: vhostID, url: url, createIfMissing: false,
                          set: "conn_count = MAX(conn_count - 1, 0)", [])
    }

    public func recordFailure(vhostID: Int, url: String, until: Int) throws {
        try updateBackend(vhostID: vhostID, url: url, createIfMissing: true,
                          set: "unhealthy_until = ?", [.integer(until)])
    }

    private func updateBackend(vhostID: Int, url: String, createIfMissing: Bool,
                               set assignments: String, _ values: [SQLiteValue]) throws {
        try DatastoreArguments.urls([url], vhostID: vhostID)
        let changed = try connection.transaction(.immediate) {
            if createIfMissing { _ = try ensureRows(vhostID: vhostID, urls: [url]) }
            return try connection.run(
                "UPDATE \(ReverseSchema.backends) SET \(assignments) WHERE vhost_id = ? AND backend_uri = ?",
                values + [.integer(vhostID), .text(url)])
        }
        guard changed > 0 else {
            throw DatastoreError(.unknownBackend, "no backend \(url) recorded for vhost \(vhostID) in '\(path)'")
        }
    }

    public func backends(vhostID: Int) throws -> [BackendState] {
        try connection.transaction(.deferred) { try readBackends(vhostID: vhostID) }
    }

    /// The vhost's rows in id order. Call inside a transaction.
    private func readBackends(vhostID: Int) throws -> [BackendState] {
        var states: [BackendState] = []
        try connection.query("""
            SELECT backend_uri, conn_count, connect_ms, unhealthy_until \
            FROM \(ReverseSchema.backends) WHERE vhost_id = ? ORDER BY backend_id
            """, [.integer(vhostID)]) { row in
            states.append(BackendState(
                url: row.text(0) ?? "", connCount: row.integer(1),
                connectMillis: row.optionalInteger(2), unhealthyUntil: row.integer(3)))
        }
        return states
    }

    // MARK: Sticky maps

    public func stickyBackend(policy: StickyPolicy, vhostID: Int, key: String) throws -> String? {
        try DatastoreArguments.stickyKey(policy, vhostID: vhostID, key)
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
        try DatastoreArguments.stickyKey(policy, vhostID: vhostID, key)
        try DatastoreArguments.stickyURL(policy, vhostID: vhostID, key: key, url)
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
}
