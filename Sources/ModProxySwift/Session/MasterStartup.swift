import CProFTPD
import CShims
import ProxyCore
import ProxyStore

/// Daemon-side work after the configuration is parsed: create ProxyTables'
/// datastore and record each proxying server's backend list, so sessions
/// only read and update it.
enum MasterStartup {
    /// Tables directories whose connection counts were reset in this daemon's
    /// life (a cold start clears counts left by a crash; a SIGHUP restart must
    /// not, since sessions are still running). Survives module reloads.
    private static var resetDirectories: Set<String> = []

    static func prepareDatastores() {
        guard let list = server_list, var member = list.pointee.xas_list else { return }
        while true {
            let server = UnsafeMutableRawPointer(member).assumingMemoryBound(to: server_rec.self)
            prepare(server)
            guard let next = member.pointee.next else { break }
            member = next
        }
    }

    private static func prepare(_ server: UnsafeMutablePointer<server_rec>) {
        let settings = SettingsLoader.proxySettings(in: server.pointee.conf)
        guard settings.engine else { return }
        guard let tables = settings.tablesDirectory ?? ConfigRecords.rootValue("ProxyTables") else {
            // Upstream refuses to start; so does `proftpd -t`.
            let name = server.pointee.ServerName.map { String(cString: $0) } ?? "?"
            mps_log_pri(PR_LOG_WARNING, "fatal: ProxyTables: missing required directive: ProxyEngine is on for server '\(name)' but no ProxyTables directory is configured (server config context)")
            exit(1)
        }
        let urls = settings.reverseServers.staticURLs.map(\.description)
        do {
            let store = try SQLiteReverseDatastore(tablesDirectory: tables)
            defer { store.close() }   // sessions open their own after fork
            if !resetDirectories.contains(tables) {
                try store.resetAll()
                resetDirectories.insert(tables)
            }
            let name = server.pointee.ServerName.map { String(cString: $0) } ?? ""
            _ = try store.prepare(vhostID: Int(server.pointee.sid), vhostName: name, backends: urls)
        } catch {
            ProxyLog.notice("unable to prepare the ProxyTables datastore in '\(tables)': \(error)")
        }
    }
}
