import CProFTPD
import CShims
import ProxyCore
import ProxyStore

/// Daemon-side work after the configuration is parsed: create ProxyTables'
/// datastore and record each proxying server's backend list, so sessions
/// only read and update it.
///
/// Runs at core.postparse (also after SIGHUP, and under `proftpd -t`,
/// which must never touch a running daemon's state: no reset there) and
/// again at core.startup, which only a starting daemon reaches: there a
/// datastore left by another daemon is reset.
enum MasterStartup {
    static func prepareDatastores(resetStale: Bool) {
        guard let list = server_list, var member = list.pointee.xas_list else { return }
        while true {
            let server = UnsafeMutableRawPointer(member).assumingMemoryBound(to: server_rec.self)
            prepare(server, resetStale: resetStale)
            guard let next = member.pointee.next else { break }
            member = next
        }
    }

    private static func prepare(_ server: UnsafeMutablePointer<server_rec>, resetStale: Bool) {
        let settings = SettingsLoader.proxySettings(in: server.pointee.conf)
        guard settings.engine else { return }
        guard let tables = settings.tablesDirectory ?? ConfigRecords.rootValue("ProxyTables") else {
            // Upstream refuses to start; so does `proftpd -t`.
            let name = server.pointee.ServerName.map { String(cString: $0) } ?? "?"
            mps_log_pri(PR_LOG_WARNING, "fatal: ProxyTables: missing required directive: ProxyEngine is on for server '\(name)' but no ProxyTables directory is configured (server config context)")
            exit(1)
        }
        if settings.role == .reverse, settings.reverseConnectPolicy == .perGroup,
           !settings.options.contains(.useReverseProxyAuth) {
            // Upstream refuses to start (its `proftpd -t` passes); this
            // build fails `proftpd -t` as well.
            let name = server.pointee.ServerName.map { String(cString: $0) } ?? "?"
            mps_log_pri(PR_LOG_WARNING, "fatal: ProxyReverseConnectPolicy PerGroup requires the UseReverseProxyAuth ProxyOption (server '\(name)'): the primary group is only known once the proxy authenticated the user")
            exit(1)
        }
        if let problem = SSHSessionRequirements.problem(server, settings) {
            let name = server.pointee.ServerName.map { String(cString: $0) } ?? "?"
            mps_log_pri(PR_LOG_WARNING, "fatal: \(problem) (server '\(name)')")
            exit(1)
        }
        if !resetStale && settings.tls.engine != .off {
            // Once per configuration, before any fork: sessions inherit it.
            // A context that cannot be built is a configuration error.
            if let failure = TLSClientContexts.prepare(serverID: Int(server.pointee.sid), settings: settings.tls) {
                let name = server.pointee.ServerName.map { String(cString: $0) } ?? "?"
                mps_log_pri(PR_LOG_WARNING, "fatal: \(failure) (server '\(name)')")
                exit(1)
            }
        }
        if case .redis = settings.datastore {
            let name = server.pointee.ServerName.map { String(cString: $0) } ?? "?"
            if pr_module_get("mod_redis.c") == nil {
                mps_log_pri(PR_LOG_WARNING, "fatal: ProxyDatastore Redis needs mod_redis (LoadModule mod_redis.c) and its RedisServer or RedisSentinel (server '\(name)')")
                exit(1)
            }
            if !RedisServerConfig.isConfigured(in: server.pointee.conf) {
                // Upstream's own example has no RedisServer: a warning, not a refusal.
                if !resetStale {
                    mps_log_pri(PR_LOG_WARNING, "ProxyDatastore Redis: no RedisServer or RedisSentinel (mod_redis) for server '\(name)'; its sessions will choose backends without shared state")
                }
                return
            }
        }
        // The same list sessions build (static URLs and files), so their
        // rows exist before the first session; per-user lists are added by
        // the sessions that read them.
        let urls = BackendCandidates(servers: settings.reverseServers, ignoreConfigPerms:
                                        settings.options.contains(.ignoreConfigPerms),
                                     tlsEngine: settings.tls.engine, user: nil, dns: nil, use: .master).usable.map(\.description)
        // After a SIGHUP the master may run with the daemon's User as euid.
        mps_privs_root()
        defer { mps_privs_relinquish() }
        do {
            let store: ReverseDatastore
            switch settings.datastore {
            case .sqlite:
                store = try SQLiteReverseDatastore(tablesDirectory: tables)
            case .redis(let prefix):
                // Only this proxy's own counts are reset: the fleet's stay.
                store = RedisReverseDatastore(redis: RedisConnection(timeoutCapSeconds: 5, serverConfig: server.pointee.conf),
                                              keys: RedisKeyLayout(prefix: prefix),
                                              proxyID: RedisProxyIdentity.of(server))
            }
            defer { store.close() }   // sessions open their own after fork
            // A new daemon clears the counts a crash may have left; a SIGHUP
            // of this one keeps those of sessions still running. (Module
            // globals cannot tell the two apart: mod_dso reloads the image.)
            if resetStale {
                try store.resetUnlessOwnedBy(master: .current())
            }
            let name = server.pointee.ServerName.map { String(cString: $0) } ?? ""
            try store.register(vhostID: Int(server.pointee.sid), vhostName: name, backends: urls)
        } catch {
            if case .redis(let prefix) = settings.datastore {
                ProxyLog.notice("unable to prepare the Redis datastore (prefix '\(prefix)'): \(error); sessions will choose backends without shared state until Redis answers")
            } else {
                ProxyLog.notice("unable to prepare the ProxyTables datastore in '\(tables)': \(error)")
            }
        }
    }
}
