import CProFTPD
import CShims
import ProxyCore

/// The one place that builds a vhost's backend list: ProxyReverseServers
/// URLs, static JSON files, per-user/per-group files (%U/%g) and sql:/
/// named queries once the user is known, DNS SRV/TXT discovery (sessions
/// only), less the backends this build cannot talk to. The master records
/// the static list in the datastore with it; sessions choose from it.
struct BackendCandidates {
    /// Usable backends, in configuration order.
    var usable: [BackendURL] = []
    /// What a DNS-discovered backend (ftp+srv://, ftp+txt://) of `usable`
    /// stands for, in the order to try them: SRV targets in RFC 2782 order,
    /// or the URLs of TXT records. The connect policy and the datastore see
    /// the configured URL, one backend (as upstream); the connector tries these.
    var endpoints: [BackendURL: [BackendURL]] = [:]
    /// Left out, with the reason (logged by the caller).
    var skipped: [(url: BackendURL, reason: String)] = []

    /// Lines for the log: problems met while building the list (unreadable
    /// files, bad templates, failed lookups, junk rows) and what DNS named.
    var problems: [String] = []
    /// Why the per-user/per-group files gave nothing for this user or group
    /// (e.g. the file is missing), when only files were consulted.
    var perNameMissing: String?

    /// `group`: the session's group when known (PerGroup's sql:/ key and %g);
    /// `dns`: nil in the master, which must not look up at config time.
    /// Which backend protocols a list is for: a session's own, or the
    /// master's record of every backend it may hand out.
    enum Use { case ftpSession, sshSession, master }

    init(servers: ReverseServerList, ignoreConfigPerms: Bool, tlsEngine: TLSEngineMode, user: String?,
         group: String? = nil, perGroup: Bool = false, dns: DNSBackendDiscovery?, use: Use = .ftpSession) {
        var seen = Set<String>()
        let named = PerNameLookup(user: user, group: group, perGroup: perGroup)
        for url in Self.configured(servers, ignoreConfigPerms, named, &problems, &perNameMissing) {
            // State is kept per backend, so a backend listed twice is one backend.
            guard seen.insert(url.description).inserted else { continue }
            if let reason = Self.unsupported(url, tlsEngine: tlsEngine, use: use) {
                skipped.append((url, reason))
            } else if url.dnsDiscovery != nil, let dns {
                var found: [BackendURL] = []
                for endpoint in dns.backends(for: url, log: &problems) {
                    if let reason = Self.unsupported(endpoint, tlsEngine: tlsEngine, use: use) {
                        problems.append("backend \(url): skipping \(endpoint): \(reason)")
                    } else {
                        found.append(endpoint)
                    }
                }
                if found.isEmpty { continue }
                usable.append(url)
                endpoints[url] = found
            } else {
                // (In the master a DNS-discovered URL too: its row, no lookup.)
                usable.append(url)
            }
        }
    }

    /// Logs what was skipped or went wrong, one line each.
    func log() {
        for (url, reason) in skipped { ProxyLog.write("skipping backend \(url): \(reason)") }
        for problem in problems { ProxyLog.write(problem) }
    }

    /// Why this build cannot use `url` here, or nil. An ftps:// URL must
    /// never be used as plain FTP (credentials would cross the network in
    /// clear); sftp:// serves SSH sessions (SFTPEngine on) only, and FTP
    /// URLs serve FTP sessions only.
    private static func unsupported(_ url: BackendURL, tlsEngine: TLSEngineMode, use: Use) -> String? {
        if url.scheme == .sftp {
            return use == .ftpSession ? "sftp:// backends serve SSH sessions only (SFTPEngine on)" : nil
        }
        if use == .sshSession {
            return "\(url.scheme.rawValue):// backends cannot serve an SSH session"
        }
        switch url.scheme {
        case .ftp:
            return nil
        case .ftpSRV, .ftpTXT:
            return nil
        case .ftps, .ftpsSRV, .ftpsTXT:
            return tlsEngine == .off ? "\(url.scheme.rawValue):// requires TLS, and ProxyTLSEngine is off" : nil
        default:
            return "\(url.scheme.rawValue):// backends are not supported by this build"
        }
    }

    /// Whose lists the dynamic sources are asked for.
    private struct PerNameLookup {
        let user: String?
        let group: String?
        /// PerGroup asks sql:/ queries by group name, as upstream does.
        let perGroup: Bool
        var sqlKey: String? { perGroup ? group : user }
    }

    private static func configured(_ servers: ReverseServerList, _ ignorePerms: Bool, _ named: PerNameLookup,
                                   _ problems: inout [String], _ perNameMissing: inout String?) -> [BackendURL] {
        var result = servers.staticURLs
        for path in servers.staticFiles {
            result += load(path, ignorePerms, &problems)
        }
        // Per-user/per-group lists (the first file found, then every query's
        // rows, as upstream concatenates them) take precedence over the shared pool.
        var perName: [BackendURL] = []
        var fileFound = false
        let problemsBefore = problems.count
        for source in servers.dynamicSources {
            switch source {
            case .file(let template):
                guard let user = named.user, !fileFound else { continue }
                do {
                    let path = try template.expand(user: user, group: named.group)
                    let found = load(path, ignorePerms, &problems)
                    fileFound = !found.isEmpty
                    perName += found
                } catch {
                    problems.append("ProxyReverseServers '\(template)': \(error)")
                }
            case .sqlNamedQuery(let query):
                guard named.user != nil else { continue }
                guard let key = named.sqlKey else {
                    problems.append("ProxyReverseServers sql:/\(query): the session's group is not known; query skipped")
                    continue
                }
                perName += sqlBackends(query, key: key, &problems)
            }
        }
        let asksSQL = servers.dynamicSources.contains { if case .sqlNamedQuery = $0 { return true } else { return false } }
        if perName.isEmpty, named.user != nil, !servers.dynamicSources.isEmpty, !asksSQL {
            // What the per-name files said, for the refusal of that login
            // (a sql:/ lookup that finds nothing refuses the session instead).
            let said = problems[problemsBefore...]
            perNameMissing = said.isEmpty ? "no per-user or per-group backends listed" : said.joined(separator: "; ")
        }
        return perName.isEmpty ? result : perName
    }

    /// The URLs of a query's rows; unusable rows are skipped with a line each.
    private static func sqlBackends(_ query: String, key: String, _ problems: inout [String]) -> [BackendURL] {
        do {
            let rows = try SQLBackendSource.rows(query: query, name: key)
            let parsed = BackendURLRows.parse(rows, allowDiscovery: true)
            for reason in parsed.refused {
                problems.append("ProxyReverseServers sql:/\(query): skipping row \(reason)")
            }
            if parsed.urls.isEmpty {
                problems.append("ProxyReverseServers sql:/\(query): no usable URL for '\(ConfigText.printable(key))' (\(rows.count) value(s) returned)")
            }
            return parsed.urls
        } catch {
            problems.append("ProxyReverseServers sql:/\(query): \(error)")
            return []
        }
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
