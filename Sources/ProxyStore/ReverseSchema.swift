/// The reverse-proxy table layout in `proxy-reverse.db`.
///
/// Table and column names follow upstream mod_proxy's `proxy_reverse`
/// schema (version 6), so an existing ProxyTables file is recognisable.
/// Version 8 keys backends by URL: `backend_id` is a stable id given to a
/// URL when first seen (not a list position), unique per vhost like the
/// URL; `unhealthy_until` holds a failed backend's hold-off (Unix time).
/// The round-robin cursor and the shuffle cycle store those ids.
/// Upstream's inert FOREIGN KEY clauses are left out (SQLite does not
/// enforce them unless asked to).
enum ReverseSchema {
    static let version = SchemaVersion(name: "proxy_reverse", version: 8)

    static let vhosts = "proxy_vhosts"
    /// The daemon (master pid and start time) whose sessions the counts
    /// belong to: a new daemon resets them, a SIGHUP of the same one not.
    static let daemon = "proxy_daemon"
    static let backends = "proxy_vhost_backends"
    static let roundRobin = "proxy_vhost_reverse_roundrobin"
    static let shuffle = "proxy_vhost_reverse_shuffle"

    /// Every table this schema owns, for migration and reset.
    static let tables = [daemon, vhosts, backends, roundRobin, shuffle]
        + StickyPolicy.allCases.map { stickyTable($0) }

    static func stickyTable(_ policy: StickyPolicy) -> String {
        switch policy {
        case .user: return "proxy_vhost_reverse_per_user"
        case .group: return "proxy_vhost_reverse_per_group"
        case .host: return "proxy_vhost_reverse_per_host"
        }
    }

    static func stickyKeyColumn(_ policy: StickyPolicy) -> String {
        switch policy {
        case .user: return "user_name"
        case .group: return "group_name"
        case .host: return "ip_addr"
        }
    }

    private static func stickyIndexSuffix(_ policy: StickyPolicy) -> String {
        switch policy {
        case .user, .group: return "name_idx"
        case .host: return "ipaddr_idx"
        }
    }

    static var creationSQL: [String] {
        var statements = [
            "CREATE TABLE IF NOT EXISTS \(daemon) (master_pid INTEGER NOT NULL, master_started INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS \(vhosts) (vhost_id INTEGER NOT NULL PRIMARY KEY, vhost_name TEXT NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS \(backends) (vhost_id INTEGER NOT NULL, backend_id INTEGER NOT NULL, \
            backend_uri TEXT NOT NULL, conn_count INTEGER NOT NULL, connect_ms INTEGER, \
            unhealthy_until INTEGER NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX IF NOT EXISTS \(backends)_vhost_id_idx ON \(backends) (vhost_id)",
            "CREATE UNIQUE INDEX IF NOT EXISTS \(backends)_slot_idx ON \(backends) (vhost_id, backend_id)",
            "CREATE UNIQUE INDEX IF NOT EXISTS \(backends)_uri_idx ON \(backends) (vhost_id, backend_uri)",
            "CREATE TABLE IF NOT EXISTS \(roundRobin) (vhost_id INTEGER NOT NULL, current_backend_id INTEGER NOT NULL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS \(roundRobin)_vhost_idx ON \(roundRobin) (vhost_id)",
            "CREATE TABLE IF NOT EXISTS \(shuffle) (vhost_id INTEGER NOT NULL, avail_backend_id INTEGER NOT NULL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS \(shuffle)_slot_idx ON \(shuffle) (vhost_id, avail_backend_id)",
        ]
        for policy in StickyPolicy.allCases {
            let table = stickyTable(policy), key = stickyKeyColumn(policy)
            statements.append("""
                CREATE TABLE IF NOT EXISTS \(table) (vhost_id INTEGER NOT NULL, \(key) TEXT NOT NULL, \
                backend_uri TEXT, UNIQUE (vhost_id, \(key)))
                """)
            statements.append(
                "CREATE INDEX IF NOT EXISTS \(table)_\(stickyIndexSuffix(policy)) ON \(table) (\(key))")
        }
        return statements
    }

    static var schema: TablesSchema {
        TablesSchema(version: version, tables: tables, creationSQL: creationSQL)
    }
}
