import CProFTPD
import CShims
import ProxyCore

/// The backend list for a session: ProxyReverseServers URLs, JSON files, and
/// per-user/per-group files (%U/%g) once the user is known.
enum BackendSources {
    private static var warnedSQL = false

    /// The backends this build can talk to: plain FTP only for now. An ftps://
    /// URL must never be used as plain FTP (credentials would cross the
    /// network in clear), and sftp:// or DNS-discovered ones need support this
    /// build lacks; they are left out with one log line each.
    static func usableBackends(for options: SessionOptions, user: String?) -> [BackendURL] {
        backends(for: options, user: user).filter { url in
            let usable = url.scheme == .ftp
            if !usable { ProxyLog.write("skipping backend \(url): \(url.scheme.rawValue):// backends are not supported yet by this build") }
            return usable
        }
    }

    static func backends(for options: SessionOptions, user: String?) -> [BackendURL] {
        var result = options.servers.staticURLs
        for path in options.servers.staticFiles {
            result += load(path, options)
        }
        for source in options.servers.dynamicSources {
            switch source {
            case .file(let template):
                guard let user else { continue }
                do {
                    let path = try template.expand(user: user, group: nil)
                    let found = load(path, options)
                    // Per-user lists take precedence over the shared pool.
                    if !found.isEmpty { return found }
                } catch {
                    ProxyLog.write("ProxyReverseServers '\(template)': \(error)")
                }
            case .sqlNamedQuery(let name):
                if !warnedSQL {
                    warnedSQL = true
                    ProxyLog.write("ProxyReverseServers sql:/\(name) is not supported yet; using the other configured servers")
                }
            }
        }
        return result
    }

    private static func load(_ path: String, _ options: SessionOptions) -> [BackendURL] {
        mps_privs_root()
        defer { mps_privs_relinquish() }
        do {
            return try BackendListFile.load(path: path, ignorePerms: options.ignoreConfigPerms)
        } catch {
            ProxyLog.write("\(error)")
            return []
        }
    }
}
