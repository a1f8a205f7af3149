import CProFTPD
import CShims

/// HOST chose another <VirtualHost> (core_host switches main_server and
/// raises core.session-reinit): before login the session follows it, with
/// that server's options, datastore rows and backends. The connection to
/// the first server's backend is closed; the new backend's banner is not
/// shown (the core answers HOST).
enum HostSwitch {
    static func serverChanged() {
        guard let proxySession = currentSession, !proxySession.isLoggedIn else { return }
        let settings = SettingsLoader.proxySettings()
        let server = main_server?.pointee.ServerName.map { String(cString: $0) } ?? "?"
        guard settings.engine else {
            ProxyLog.write("HOST selected server '\(server)', which has no ProxyEngine on: closing the session")
            SessionLifecycle.refuse(reason: "the server selected by HOST is not a proxy")
            return
        }
        let options: SessionOptions
        do {
            options = try SessionOptions(settings: settings, vhostID: Int(main_server?.pointee.sid ?? 0))
        } catch {
            ProxyLog.write("session refused after HOST: \(error)")
            SessionLifecycle.refuse(reason: "\(error)")
            return
        }
        ProxyLog.write("HOST: server '\(server)' selected")
        proxySession.closeBackend()
        proxySession.datastore.close()
        proxySession.options = options
        // The new server's login method (UseReverseProxyAuth, ProxyForwardMethod) may differ.
        proxySession.login = options.role == .reverse ? LoginStrategies.reverse(options) : LoginStrategies.forward(options)
        proxySession.proxyUser = nil
        proxySession.pendingDestination = nil
        proxySession.datastore = SessionDatastore.open(options)
        proxySession.state = .awaitingBackend
        // A forward proxy connects when the client names a destination.
        if options.role == .reverse && options.backendChoice == .atConnect {
            ReverseBackend.connect(proxySession, user: nil, greet: false)
        }
    }
}
