import CProFTPD
import CShims
import Glibc
import ProxyCore
import ProxyStore

/// Session start (choosing the kind of session), refusal, the post-login
/// chroot, and the end.
enum SessionLifecycle {
    /// mod_proxy's session init (in the forked session process): the
    /// settings, then the session kind for the role and protocol.
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
        switch SessionRole.of(options) {
        case .reverseFTP: ReverseFTPSession.start(options: options)
        case .forwardFTP: ForwardFTPSession.start(options: options)
        case .reverseSSH: ReverseSSHSession.start(options: options, sftp: settings.sftp)
        }
        return 0
    }

    /// What every kind of FTP session sets up first: the ProxySession, the
    /// session's event hooks, ProxyTables/empty as the working directory
    /// (the chroot after login), the handlers that must not run, the auth
    /// check, the connect log line.
    static func begin(_ options: SessionOptions, login: LoginStrategy) -> ProxySession {
        ResolverTimeouts.apply(connectTimeoutSeconds: options.connectTimeout)
        let proxySession = ProxySession(options: options, login: login)
        currentSession = proxySession
        EventHooks.registerSessionEvents()
        _ = pr_fsio_chdir_canon("\(options.tablesDirectory)/empty", TRUE)
        removeConflictingHandlers()
        // The core asks this before commands that need a login, and the
        // check answers a refusal itself (as mod_auth's does): commands the
        // proxy declines before any backend exists (PWD before USER) get
        // their 530 here.
        set_auth_check { _ in
            guard let proxySession = currentSession else { return 0 }
            if proxySession.isLoggedIn { return 1 }
            // Forward proxying: logged in to the proxy, not yet to a destination.
            let text = proxySession.proxyUser == nil ? "Please login with USER and PASS" : "Access denied"
            mps_response_send("530", text)
            return 0
        }
        let server = main_server?.pointee.ServerName.map { String(cString: $0) } ?? "?"
        ProxyLog.write("connect: client \(ForwardBackend.clientAddress()) to server '\(server)'")
        return proxySession
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
        chroot(into: "\(proxySession.options.tablesDirectory)/empty")
    }

    /// An SSH session after login: the same chroot, and root dropped at once
    /// (mod_sftp's key exchanges need neither files nor privileges).
    static func confine(tablesDirectory: String) {
        chroot(into: "\(tablesDirectory)/empty")
        if getuid() == 0 || geteuid() == 0 {
            mps_privs_root()
            mps_privs_revoke()
        }
    }

    private static func chroot(into dir: String) {
        mps_privs_root()
        let ok = Glibc.chroot(dir) == 0
        let err = errno
        if ok { _ = chdir("/") }
        mps_privs_relinquish()
        if ok {
            // session.chroot_path stays unset: ProFTPD would put it in
            // front of every path it logs (dir_abs_path), and the paths the
            // TransferLog shows are the backend's.
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
    static func removeConflictingHandlers() {
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
        TLSSessionCache.close()
        DNSBackendDiscovery.close()
        currentSession = nil
        ProxyLog.close()
    }
}
