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
        let proxySession = ProxySession(options: options)
        currentSession = proxySession
        EventHooks.registerSessionEvents()

        // Every session starts in ProxyTables/empty (and is chrooted there after login).
        _ = pr_fsio_chdir_canon("\(options.tablesDirectory)/empty", TRUE)
        proxySession.datastore = SessionDatastore.open(options)
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
        let candidates = BackendCandidates(servers: options.servers, ignoreConfigPerms: options.ignoreConfigPerms, user: user)
        candidates.log()
        let datastore = proxySession.datastore
        let selector = BackendSelector(policy: options.connectPolicy, backends: candidates.usable, datastore: datastore)
        let stickyKey: String?
        switch options.connectPolicy {
        case .perUser: stickyKey = user
        case .perHost: stickyKey = session.c.flatMap { $0.pointee.remote_addr }.map { String(cString: pr_netaddr_get_ipstr($0)) }
        default: stickyKey = nil
        }
        let now = Int(time(nil))
        let plan = selector.plan(attempts: options.retryCount, stickyKey: stickyKey, now: now)
        guard !plan.order.isEmpty else {
            ProxyLog.write("session refused: no backend servers configured (ProxyReverseServers)")
            refuse(reason: "no backend servers configured")
            return false
        }
        do {
            let connected = try ReverseConnector(options: options).connect(candidates: plan.order) { url in
                let until = now + BackendState.failureHoldOffSeconds
                ProxyLog.write("backend \(url) held off for \(BackendState.failureHoldOffSeconds) s")
                datastore.write("recording the failure of \(url)") {
                    try $0.recordFailure(vhostID: $1, url: url.description, until: until)
                }
            }
            let url = connected.target.url.description
            proxySession.backend = connected.channel
            proxySession.backendTarget = connected.target
            proxySession.stickyKey = stickyKey
            proxySession.state = .connected
            datastore.write("recording the connect to \(url)") {
                try $0.recordConnected(vhostID: $1, url: url, connectMillis: connected.connectMillis)
            }
            if plan.movesCursor && url != plan.order[0].url.description {
                datastore.write("moving the round-robin cursor") { try $0.setRoundRobinCursor(vhostID: $1, url: url) }
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

    /// core.exit: leave the backend politely and update the datastore.
    static func end() {
        guard let proxySession = currentSession else { return }
        let backend = proxySession.backendTarget.map { " from backend \($0.url)" } ?? ""
        ProxyLog.write("disconnect: session closed\(backend)")
        proxySession.closeBackend()
        proxySession.datastore.close()
        currentSession = nil
        ProxyLog.close()
    }
}

private func session_chroot_path_set(_ dir: String) {
    session.chroot_path = UnsafePointer(pstrdup(session.pool, dir))
}
