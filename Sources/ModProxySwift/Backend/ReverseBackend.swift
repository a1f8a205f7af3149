import CProFTPD
import CShims
import Glibc
import ProxyCore

/// The reverse role's backend: chosen from the candidates by the connect
/// policy, connected (failover over ProxyRetryCount), recorded in the
/// datastore, and remembered for sticky policies after login.
enum ReverseBackend {
    enum Outcome {
        case connected
        /// The per-user/per-group sources have nothing for this name and no
        /// shared list is configured: that login is refused (logged), the
        /// session goes on.
        case noBackendForName
        /// The client got a 421 and the session is ending.
        case sessionEnded
    }

    /// Chooses and connects the backend, sends its banner to the client (at
    /// session start) and records the session notes. `user` and `group`
    /// (known once the proxy authenticated the user) select per-user and
    /// per-group lists and sticky entries. `greet`: send the backend's
    /// banner to the client (not after HOST, which the core answers).
    @discardableResult
    static func connect(_ proxySession: ProxySession, user: String?, group: String? = nil,
                        greet: Bool = true) -> Outcome {
        let options = proxySession.options
        let candidates = BackendCandidates(servers: options.servers, ignoreConfigPerms: options.ignoreConfigPerms,
                                           tlsEngine: options.tls.engine, user: user, group: group,
                                           perGroup: options.connectPolicy == .perGroup,
                                           dns: DNSBackendDiscovery(options: options))
        candidates.log()
        let datastore = proxySession.datastore
        let selector = BackendSelector(policy: options.connectPolicy, backends: candidates.usable, datastore: datastore)
        let clientAddress = session.c.flatMap { $0.pointee.remote_addr }.map { String(cString: pr_netaddr_get_ipstr($0)) }
        let stickyKey = options.connectPolicy.stickyKey(user: user, group: group, clientAddress: clientAddress)
        let now = Int(time(nil))
        let plan = selector.plan(attempts: options.retryCount, stickyKey: stickyKey, now: now)
        guard !plan.order.isEmpty else {
            if let user, let missing = candidates.perNameMissing {
                let name = options.connectPolicy == .perGroup ? "group '\(group ?? "?")'" : "user '\(user)'"
                ProxyLog.write("login refused: no \(options.connectPolicy.rawValue) servers found for \(name) (\(missing)), "
                               + "and no global ProxyReverseServers configured")
                return .noBackendForName
            }
            // Lookups (sql:/, DNS) that found nothing usable are not a
            // configuration without servers: say which it was.
            let found = candidates.problems.isEmpty && candidates.skipped.isEmpty
            ProxyLog.write("session refused: " + (found ? "no backend servers configured (ProxyReverseServers)"
                                                         : "no usable backend server found"))
            SessionLifecycle.refuse(reason: found ? "no backend servers configured" : "no usable backend server found")
            return .sessionEnded
        }
        do {
            let endpoints = heldOffLast(candidates.endpoints, datastore: datastore, now: now)
            let connected = try ReverseConnector(options: options).connect(candidates: plan.order,
                                                                           endpoints: endpoints) { url in
                let until = now + BackendState.failureHoldOffSeconds
                ProxyLog.write("backend \(url) held off for \(BackendState.failureHoldOffSeconds) s")
                datastore.write("recording the failure of \(url)") {
                    try $0.recordFailure(vhostID: $1, url: url.description, until: until)
                }
            }
            let url = connected.target.url.description
            proxySession.backend = connected.channel
            proxySession.backendTarget = connected.target
            proxySession.backendTLS = connected.tls
            proxySession.stickyKey = stickyKey
            proxySession.state = .connected
            datastore.write("recording the connect to \(url)") {
                try $0.recordConnected(vhostID: $1, url: url, connectMillis: connected.connectMillis)
            }
            if plan.movesCursor && url != plan.order[0].url.description {
                datastore.write("moving the round-robin cursor") { try $0.setRoundRobinCursor(vhostID: $1, url: url) }
            }
            SessionNotes.setBackend(address: connected.channel.address, url: connected.target.connectedURL)
            if let tls = connected.tls {
                SessionNotes.setBackendTLS(protocolName: tls.control.protocolName, cipher: tls.control.cipherName)
            }
            if user == nil && greet {
                ClientReplies.sendNow(connected.banner)
            }
            return .connected
        } catch {
            ProxyLog.write("session refused: \(error)")
            SessionLifecycle.refuse(reason: (error as? ReverseConnector.NoBackend)?.clientText
                                        ?? "unable to connect to a backend server")
            return .sessionEnded
        }
    }

    /// A DNS-discovered backend's endpoints in their order, less those held
    /// off after a recent failure, which go last: a dead SRV target costs
    /// later sessions nothing, as a dead backend does.
    private static func heldOffLast(_ endpoints: [BackendURL: [BackendURL]], datastore: SessionDatastore,
                                    now: Int) -> [BackendURL: [BackendURL]] {
        endpoints.mapValues { list in
            guard let states = datastore.read("reading endpoint states", {
                try $0.states(vhostID: $1, candidates: list.map(\.description))
            }) else { return list }
            let healthy = states.map { $0.isHealthy(at: now) }
            return list.indices.filter { healthy[$0] }.map { list[$0] } + list.indices.filter { !healthy[$0] }.map { list[$0] }
        }
    }

    /// After a successful login: the sticky policies remember the backend
    /// (only now, so unknown user names cannot evict real entries).
    static func rememberStickyBackend(_ proxySession: ProxySession) {
        guard let sticky = proxySession.options.connectPolicy.stickyPolicy,
              let key = proxySession.stickyKey,
              let url = proxySession.backendTarget?.url.description else { return }
        proxySession.datastore.write("recording the \(sticky.rawValue) sticky backend") {
            try $0.setStickyBackend(policy: sticky, vhostID: $1, key: key, url: url)
        }
    }

}
