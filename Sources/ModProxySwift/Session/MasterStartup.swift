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
        guard settings.engine, let tables = settings.tablesDirectory else { return }
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
