import CProFTPD
import CShims
import Glibc
import ProxyCore
import ProxyStore

/// Session start, backend connection, the post-login chroot, and the end.
enum SessionLifecycle {
    /// mod_proxy's session init (in the forked session process).
    static func start() -> Int32 {
        let settings = SettingsLoader.proxySettings()
        guard settings.engine else { return 0 }
        ProxyLog.open(path: settings.logPath ?? "none")

        let options: SessionOptions
        do {
            options = try SessionOptions(settings: settings, vhostID: Int(main_server?.pointee.sid ?? 0))
        } catch {
            ProxyLog.write("session refused: \(error)")
            refuse(reason: "\(error)")
            return 0
        }
        guard settings.tls.engine != .on else {
            // "on" means TLS is required towards the backend: never fall back to clear text.
            ProxyLog.write("session refused: ProxyTLSEngine on requires TLS to backend servers, which this build does not support yet")
            refuse(reason: "TLS to the backend server is required but not supported")
            return 0
        }
        guard options.role == .reverse else {
            ProxyLog.write("session refused: ProxyRole forward is not supported yet")
            refuse(reason: "ProxyRole forward is not supported yet")
            return 0
        }
        ResolverTimeouts.apply(connectTimeoutSeconds: options.connectTimeout)
        let proxySession = ProxySession(options: options)
        currentSession = proxySession
        EventHooks.registerSessionEvents()

        // Every session starts in ProxyTables/empty (and is chrooted there after login).
        _ = pr_fsio_chdir_canon("\(options.tablesDirectory)/empty", TRUE)
        proxySession.store = openDatastore(options)
        removeConflictingHandlers()
        set_auth_check { cmd in (currentSession?.isLoggedIn ?? false) ? 1 : 0 }

        let client = session.c.flatMap { $0.pointee.remote_addr }.map { String(cString: pr_netaddr_get_ipstr($0)) } ?? "?"
        let server = main_server?.pointee.ServerName.map { String(cString: $0) } ?? "?"
        ProxyLog.write("connect: client \(client) to server '\(server)'")

        if !options.selectionNeedsUser {
            guard connectBackend(proxySession, user: nil) else { return 0 }
            // ProFTPD would now send its own banner: the backend's went out already.
            _ = pr_response_block(TRUE)
        }
        // Otherwise (PerUser/PerGroup, per-user files) the proxy greets the
        // client itself and chooses the backend at USER.
        pr_cmd_set_handler { _, _ in CommandLoop.run() }
        return 0
    }

    /// Chooses and connects the backend, sends its banner to the client (at
    /// session start) and records the session notes. On failure the client
    /// gets a 421 and the session ends.
    @discardableResult
    static func connectBackend(_ proxySession: ProxySession, user: String?) -> Bool {
        let options = proxySession.options
        let backends = BackendSources.usableBackends(for: options, user: user)
        let selector = BackendSelector(policy: options.connectPolicy, backends: backends,
                                       store: proxySession.store, vhostID: options.vhostID)
        let stickyKey: String?
        switch options.connectPolicy {
        case .perUser: stickyKey = user
        case .perHost: stickyKey = session.c.flatMap { $0.pointee.remote_addr }.map { String(cString: pr_netaddr_get_ipstr($0)) }
        default: stickyKey = nil
        }
        let candidates = selector.candidates(attempts: options.retryCount, stickyKey: stickyKey)
        guard !candidates.isEmpty else {
            ProxyLog.write("session refused: no backend servers configured (ProxyReverseServers)")
            refuse(reason: "no backend servers configured")
            return false
        }
        do {
            let connected = try ReverseConnector(options: options).connect(candidates: candidates)
            proxySession.backend = connected.channel
            proxySession.backendTarget = connected.target
            proxySession.state = .connected
            if let store = proxySession.store {
                try? store.recordConnected(vhostID: options.vhostID, index: connected.target.index,
                                           connectMillis: connected.connectMillis)
                if let sticky = selector.stickyPolicy, let key = stickyKey {
                    try? store.setStickyBackend(policy: sticky, vhostID: options.vhostID, key: key,
                                                url: connected.target.url.description)
                }
            }
            SessionNotes.setBackend(address: connected.channel.address, url: connected.target.url)
            if user == nil {
                ClientReplies.sendNow(connected.banner)
            }
            return true
        } catch {
            ProxyLog.write("session refused: \(error)")
            refuse(reason: "unable to connect to a backend server")
            return false
        }
    }

    /// 421 to the client and the end of the session.
    static func refuse(reason: String) {
        _ = pr_response_block(FALSE)
        ClientReplies.sendNow(code: "421", "Service not available: \(reason)")
        pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_BY_APPLICATION), reason)
    }

    /// After login: chroot into ProxyTables/empty, as upstream does. Runs in
    /// the PASS handler, before mod_auth's POST_CMD handler revokes root
    /// (RootRevoke); the datastore stays usable through its open descriptors.
    static func chroot(_ proxySession: ProxySession) {
        guard !proxySession.chrooted else { return }
        proxySession.chrooted = true
        let dir = "\(proxySession.options.tablesDirectory)/empty"
        mps_privs_root()
        let ok = Glibc.chroot(dir) == 0
        let err = errno
        if ok { _ = chdir("/") }
        mps_privs_relinquish()
        if ok {
            session_chroot_path_set(dir)
            ProxyLog.trace(8, "chrooted to \(dir)")
        } else {
            ProxyLog.write("unable to chroot to '\(dir)': \(errnoText(err))")
        }
    }

    /// After the login exchange (mod_auth's handlers included): drop root
    /// for good unless mod_auth already did (RootRevoke off, UserOwner).
    static func dropRoot(_ proxySession: ProxySession) {
        guard !proxySession.rootDropped else { return }
        proxySession.rootDropped = true
        if getuid() == 0 || geteuid() == 0 {
            mps_privs_root()
            mps_privs_revoke()
            ProxyLog.trace(8, "root privileges dropped")
        }
    }

    /// mod_xfer's PRE_CMD handlers for transfers look at the proxy's local
    /// filesystem and would refuse commands meant for the backend.
    private static func removeConflictingHandlers() {
        for name in ["RETR", "STOR", "STOU", "APPE"] {
            _ = pr_stash_remove_cmd(name, &xfer_module, UInt8(PRE_CMD), nil, -1)
        }
    }

    private static func openDatastore(_ options: SessionOptions) -> ReverseDatastore? {
        mps_privs_root()
        defer { mps_privs_relinquish() }
        do {
            return try SQLiteReverseDatastore(tablesDirectory: options.tablesDirectory)
        } catch {
            ProxyLog.write("datastore unavailable, choosing backends without shared state: \(error)")
            return nil
        }
    }

    /// core.exit: leave the backend politely and update the datastore.
    static func end() {
        guard let proxySession = currentSession else { return }
        let backend = proxySession.backendTarget.map { " from backend \($0.url)" } ?? ""
        ProxyLog.write("disconnect: session closed\(backend)")
        proxySession.closeBackend()
        proxySession.store?.close()
        currentSession = nil
        ProxyLog.close()
    }
}

private func session_chroot_path_set(_ dir: String) {
    session.chroot_path = UnsafePointer(pstrdup(session.pool, dir))
}
