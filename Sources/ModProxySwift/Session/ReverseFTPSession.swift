import CProFTPD
import CShims
import ProxyCore

/// The reverse FTP session kind: a client logs in to the proxy as if it were
/// the backend; the backend is chosen by ProxyReverseConnectPolicy at
/// connect, or at USER for per-user policies and lists.
enum ReverseFTPSession {
    static func start(options: SessionOptions) {
        let proxySession = SessionLifecycle.begin(options, login: LoginStrategies.reverse(options))
        proxySession.datastore = SessionDatastore.open(options)

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
