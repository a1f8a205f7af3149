import CProFTPD
import CShims
import ProxyCore

/// The one place that builds a vhost's backend list: ProxyReverseServers
/// URLs, static JSON files, and per-user/per-group files (%U/%g) once the
/// user is known, less the backends this build cannot talk to. The master
/// records the static list in the datastore with it; sessions choose from it.
struct BackendCandidates {
    /// Usable backends, in configuration order.
    var usable: [BackendURL] = []
    /// Left out, with the reason (logged by the caller).
    var skipped: [(url: BackendURL, reason: String)] = []

    /// Problems met while building the list (unreadable files, bad templates).
    var problems: [String] = []
    /// Why the per-user/per-group sources gave nothing for this user or
    /// group (e.g. the file is missing), when they were consulted.
    var perNameMissing: String?

    init(servers: ReverseServerList, ignoreConfigPerms: Bool, tlsEngine: TLSEngineMode, user: String?,
         group: String? = nil) {
        var seen = Set<String>()
        for url in Self.configured(servers, ignoreConfigPerms, user, group, &problems, &perNameMissing) {
            // State is kept per backend, so a backend listed twice is one backend.
            guard seen.insert(url.description).inserted else { continue }
            if let reason = Self.unsupported(url, tlsEngine: tlsEngine) {
                skipped.append((url, reason))
            } else {
                usable.append(url)
            }
        }
    }

    /// Logs what was skipped or went wrong, one line each.
    func log() {
        for (url, reason) in skipped { ProxyLog.write("skipping backend \(url): \(reason)") }
        for problem in problems { ProxyLog.write(problem) }
    }

    /// Why this build cannot use `url`, or nil. An ftps:// URL must never be
    /// used as plain FTP (credentials would cross the network in clear);
    /// sftp:// and DNS-discovered ones need support this build lacks.
    private static func unsupported(_ url: BackendURL, tlsEngine: TLSEngineMode) -> String? {
        switch url.scheme {
        case .ftp:
            return nil
        case .ftps:
            return tlsEngine == .off ? "ftps:// requires TLS, and ProxyTLSEngine is off" : nil
        default:
            return "\(url.scheme.rawValue):// backends are not supported yet by this build"
        }
    }

    private static func configured(_ servers: ReverseServerList, _ ignorePerms: Bool, _ user: String?,
                                   _ group: String?, _ problems: inout [String],
                                   _ perNameMissing: inout String?) -> [BackendURL] {
        var result = servers.staticURLs
        for path in servers.staticFiles {
            result += load(path, ignorePerms, &problems)
        }
        for source in servers.dynamicSources {
            switch source {
            case .file(let template):
                guard let user else { continue }
                do {
                    let path = try template.expand(user: user, group: group)
                    let before = problems.count
                    let found = load(path, ignorePerms, &problems)
                    // Per-user/per-group lists take precedence over the shared pool.
                    if !found.isEmpty { return found }
                    perNameMissing = problems.count > before ? problems[before] : "no usable URLs in '\(path)'"
                } catch {
                    problems.append("ProxyReverseServers '\(template)': \(error)")
                    perNameMissing = "\(error)"
                }
            case .sqlNamedQuery(let name):
                problems.append("ProxyReverseServers sql:/\(name) is not supported yet; using the other configured servers")
            }
        }
        return result
    }

    private static func load(_ path: String, _ ignorePerms: Bool, _ problems: inout [String]) -> [BackendURL] {
        mps_privs_root()
        defer { mps_privs_relinquish() }
        do {
            return try BackendListFile.load(path: path, ignorePerms: ignorePerms)
        } catch {
            problems.append("\(error)")
            return []
        }
    }
}
