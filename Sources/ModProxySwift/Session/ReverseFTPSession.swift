import CProFTPD
import CShims
import ProxyCore

/// The reverse FTP session kind: a client logs in to the proxy as if it were
/// the backend; the backend is chosen by ProxyReverseConnectPolicy at
/// connect, or at USER for per-user policies and lists.
enum ReverseFTPSession {
    static func start(options: SessionOptions) {
        ResolverTimeouts.apply(connectTimeoutSeconds: options.connectTimeout)
        let proxySession = ProxySession(options: options, login: LoginStrategies.reverse(options))
        currentSession = proxySession
        EventHooks.registerSessionEvents()

        // Every session starts in ProxyTables/empty (and is chrooted there after login).
        _ = pr_fsio_chdir_canon("\(options.tablesDirectory)/empty", TRUE)
        proxySession.datastore = SessionDatastore.open(options)
        SessionLifecycle.removeConflictingHandlers()
        // Replaces mod_auth's check, and answers as it does: a command that
        // needs a login before one gets this 530 (nothing else replies).
        set_auth_check { _ in
            if currentSession?.isLoggedIn ?? false { return 1 }
            mps_response_send("530", "Please login with USER and PASS")
            return 0
        }

        let client = session.c.flatMap { $0.pointee.remote_addr }.map { String(cString: pr_netaddr_get_ipstr($0)) } ?? "?"
        let server = main_server?.pointee.ServerName.map { String(cString: $0) } ?? "?"
        ProxyLog.write("connect: client \(client) to server '\(server)'")

        if options.backendChoice == .atConnect {
            guard case .connected = ReverseBackend.connect(proxySession, user: nil) else { return }
            // ProFTPD would now send its own banner: the backend's went out already.
            _ = pr_response_block(TRUE)
        }
        // Otherwise (PerUser, per-user files, UseReverseProxyAuth) the proxy
        // greets the client itself and chooses the backend at USER or PASS.
        pr_cmd_set_handler { _, _ in CommandLoop.run() }
    }
}
