import CProFTPD
import CShims
import Glibc
import ProxyCore
import ProxySSH
import ProxyStore

/// The `reverseSSH` kind (docs/ssh-reverse-design.md): mod_sftp keeps the
/// client's SSH connection and authenticates it; the backend, chosen when
/// the user name is known, decides the password (our authtable); after the
/// login connection-layer packets go verbatim both ways (`SSHPacketRelay`).
final class ReverseSSHSession {
    static var current: ReverseSSHSession?

    let options: SessionOptions
    let sftp: SFTPSettings
    let datastore: SessionDatastore
    let hostKeyStore: SSHHostKeyStore?
    private(set) var backend: SSHBackendConnection?
    private var stickyKey: String?
    /// The backend accepted the user's credentials.
    private(set) var backendAuthenticated = false
    /// mod_sftp logged the client in (our success handler ran): relay from now on.
    var loggedIn = false
    private var handlersInstalled = false
    private var ending = false
    let relay = SSHPacketRelay()
    /// Without UseReverseProxyAuth the backend decides passwords and kbdint
    /// answers; with it the proxy's own auth modules do, and the backend
    /// login is always hostbased.
    var backendDecidesPasswords: Bool { !options.useReverseProxyAuth }
    /// ProxySFTPHostKey files, read as root at session start (before the chroot).
    private var hostbasedKeys: [SSHSigningKey] = []

    private init(options: SessionOptions, sftp: SFTPSettings) {
        self.options = options
        self.sftp = sftp
        datastore = SessionDatastore.open(options)
        hostKeyStore = SessionDatastore.openSSHHostKeyStore(options.datastore, tablesDirectory: options.tablesDirectory,
                                                            connectTimeout: options.connectTimeout)
        hostbasedKeys = Self.readHostKeys(sftp.hostKeys, provider: sftp.passPhraseProvider)
    }

    /// ProxySFTPHostKey files and agents (ProxySSH's `HostKeySource`); an
    /// encrypted file's passphrase from ProxySFTPPassPhraseProvider.
    private static func readHostKeys(_ values: [String], provider: String?) -> [SSHSigningKey] {
        mps_privs_root()
        defer { mps_privs_relinquish() }
        let serverName = main_server?.pointee.ServerName.map { String(cString: $0) } ?? ""
        let port = Int(main_server?.pointee.ServerPort ?? 0)
        return values.flatMap { value -> [SSHSigningKey] in
            do {
                return try HostKeySource(directiveValue: value)
                    .load(provider: provider.map { PassPhraseProvider(program: $0) }, serverName: serverName, port: port)
            } catch {
                ProxyLog.write("ProxySFTPHostKey \(value): \(error)")
                return []
            }
        }
    }

    /// mod_proxy's session init for a server with SFTPEngine on.
    static func start(options: SessionOptions, sftp: SFTPSettings) {
        let refusal: String?
        if options.role != .reverse {
            refusal = "ProxyRole forward does not proxy SSH sessions (SFTPEngine on)"
        } else {
            do {
                try SFTPFrontend.locateState()
                refusal = nil
            } catch {
                refusal = "\(error)"
            }
        }
        if let refusal {
            ProxyLog.write("session refused: \(refusal)")
            pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_BY_APPLICATION), refusal)
            return
        }
        if !options.useReverseProxyAuth {
            do {
                try SFTPFrontend.registerKeyboardInteractiveDriver()
            } catch {
                ProxyLog.write("keyboard-interactive logins are not relayed: \(error)")
            }
        }
        ResolverTimeouts.apply(connectTimeoutSeconds: options.connectTimeout)
        current = ReverseSSHSession(options: options, sftp: sftp)
        _ = pr_fsio_chdir_canon("\(options.tablesDirectory)/empty", TRUE)
        EventHooks.register(&proxy_module, "mod_sftp.ssh2.kex.completed") { _, _ in ReverseSSHSession.current?.keyExchangeCompleted() }
        EventHooks.register(&proxy_module, "mod_sftp.ssh2.read-poll") { _, _ in ReverseSSHSession.current?.relay.readPoll() }
        EventHooks.register(&proxy_module, "core.exit") { _, _ in ReverseSSHSession.current?.end() }
        ProxyLog.write("connect: SSH client \(ForwardBackend.clientAddress()) (reverse SSH session)")
    }

    // MARK: mod_sftp's events and handlers

    private static let packetHandler: SFTPFrontend.PacketHandler = { packet in
        guard let packet, let ssh = ReverseSSHSession.current else {
            errno = ENOSYS
            return -1
        }
        return ssh.relay.frontendPacket(packet)
    }

    private static let successHandler: SFTPFrontend.SuccessHandler = { _, user in
        ReverseSSHSession.current?.loginCompleted(user: user.map { String(cString: $0) } ?? "") ?? -1
    }

    private func keyExchangeCompleted() {
        if !handlersInstalled {
            do {
                try SFTPFrontend.install(packetHandler: Self.packetHandler, successHandler: Self.successHandler)
                handlersInstalled = true
            } catch {
                end(because: "\(error)")
                return
            }
        }
        // The new keys are in use both ways now: what waited goes out.
        relay.flushOutbox(force: true)
    }

    // MARK: authentication (the authtable calls these)

    /// The backend's verdict on a password; nil when the session ended
    /// (no backend reachable).
    func authenticate(user: String, password: String) -> Bool? {
        do {
            let connection = try backend ?? connectBackend(user: user)
            let outcome = try SSHBackendLogin(connection: connection)
                .password(user: user, password: password, deadline: .after(seconds: max(options.backendReplyTimeout, 10)))
            return verdict(outcome, user: user, method: "password", backend: connection)
        } catch {
            end(because: "\(error)")
            return nil
        }
    }

    /// mod_sftp's keyboard-interactive driver: the backend's prompts go to
    /// the client round by round, its verdict decides.
    func keyboardInteractive(user: String) -> Bool {
        do {
            let connection = try backend ?? connectBackend(user: user)
            let outcome = try SSHBackendLogin(connection: connection).keyboardInteractive(
                user: user, replySeconds: max(options.backendReplyTimeout, 10)) { round in
                SFTPFrontend.askClient(name: round.name, instruction: round.instruction, prompts: round.prompts.map { ($0.text, $0.echo) })
            }
            return verdict(outcome, user: user, method: "keyboard-interactive", backend: connection)
        } catch {
            end(because: "\(error)")
            return false
        }
    }

    private func verdict(_ outcome: SSHBackendLogin.Outcome, user: String, method: String,
                         backend connection: SSHBackendConnection) -> Bool {
        switch outcome {
        case .accepted:
            backendAuthenticated = true
            ProxyLog.write("backend \(connection.target.url) accepted the \(method) login of user '\(ConfigText.printable(user))'")
            return true
        case .refused(let methods):
            ProxyLog.write("backend \(connection.target.url) refused the \(method) login of user '\(ConfigText.printable(user))' (\(methods))")
            return false
        }
    }

    /// nil when the backend accepted the proxy's hostbased login, else why not.
    private func hostbasedLogin(user: String) -> String? {
        guard !hostbasedKeys.isEmpty else {
            return "a \(SessionNotes.get("SFTP_USER_AUTH_METHOD") ?? "key") login needs a usable ProxySFTPHostKey "
                + "to be carried to the backend"
        }
        do {
            let connection = try backend ?? connectBackend(user: user)
            // As root: an agent key connects to its (root-only) socket when it signs.
            mps_privs_root()
            defer { mps_privs_relinquish() }
            let outcome = try SSHBackendLogin(connection: connection).hostbased(
                user: user, keys: hostbasedKeys, clientHost: Self.hostName(), deadline: .after(seconds: max(options.backendReplyTimeout, 10)))
            if verdict(outcome, user: user, method: "hostbased", backend: connection) { return nil }
            return "backend \(connection.target.url) refused the proxy's hostbased login for user '\(ConfigText.printable(user))'"
        } catch {
            return "\(error)"
        }
    }

    /// This host's name as hostbased requests carry it (a trailing dot, as OpenSSH's ssh-keysign sends).
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let name = String(cString: buffer)
        return name.hasSuffix(".") ? name : name + "."
    }

    /// mod_sftp's auth-success handler, instead of its local `setup_env`:
    /// only a login the backend accepted goes on; then the chroot into
    /// ProxyTables/empty and root dropped, as after an FTP login.
    private func loginCompleted(user: String) -> Int32 {
        let method = SessionNotes.get("SFTP_USER_AUTH_METHOD") ?? "?"
        if !backendAuthenticated && (options.useReverseProxyAuth || method == "publickey" || method == "hostbased") {
            // mod_sftp verified the client (its key: authorized, signature;
            // or, with UseReverseProxyAuth, any method through the proxy's
            // auth modules); the proxy vouches for it with its host key.
            if let refusal = hostbasedLogin(user: user) {
                end(because: refusal)
                return -1
            }
            backendAuthenticated = true
        }
        guard backendAuthenticated, backend != nil else {
            end(because: "SSH login method '\(method)' is not relayed to backends")
            return -1
        }
        if let sticky = options.connectPolicy.stickyPolicy, let key = stickyKey, let url = backend?.target.url.description {
            datastore.write("recording the \(sticky.rawValue) sticky backend") {
                try $0.setStickyBackend(policy: sticky, vhostID: $1, key: key, url: url)
            }
        }
        SessionLifecycle.confine(tablesDirectory: options.tablesDirectory)
        loggedIn = true
        ProxyLog.write("login: user '\(ConfigText.printable(user))' logged in to backend \(backend?.target.url.description ?? "?")")
        return 0
    }

    // MARK: the backend

    private func connectBackend(user: String) throws -> SSHBackendConnection {
        // PerGroup (UseReverseProxyAuth only): the primary group the proxy's auth modules know.
        let group = options.connectPolicy == .perGroup ? Self.primaryGroup(of: user) : nil
        let candidates = BackendCandidates(servers: options.servers, ignoreConfigPerms: options.ignoreConfigPerms,
                                           tlsEngine: options.tls.engine, user: user, group: group,
                                           perGroup: options.connectPolicy == .perGroup,
                                           dns: DNSBackendDiscovery(options: options), use: .sshSession)
        candidates.log()
        let clientAddress = session.c.flatMap { $0.pointee.remote_addr }.map { String(cString: pr_netaddr_get_ipstr($0)) }
        stickyKey = options.connectPolicy.stickyKey(user: user, group: group, clientAddress: clientAddress)
        let now = Int(time(nil))
        let plan = BackendSelector(policy: options.connectPolicy, backends: candidates.usable, datastore: datastore)
            .plan(attempts: options.retryCount, stickyKey: stickyKey, now: now)
        guard !plan.order.isEmpty else {
            throw SSHBackendConnection.Failure(description: "no usable sftp:// backend server found")
        }
        let connector = ReverseConnector(options: options)
        let setupSeconds = max(options.connectTimeout, 10)
        let connection: SSHBackendConnection
        do {
            connection = try connector.firstConnected(candidates: plan.order, endpoints: candidates.endpoints, failed: { url in
                datastore.write("recording the failure of \(url)") {
                    try $0.recordFailure(vhostID: $1, url: url.description, until: now + BackendState.failureHoldOffSeconds)
                }
            }) { target, _ in
                try connector.openSocket(to: target, deadline: .after(seconds: options.connectTimeout)) { sock, address in
                    let connection = SSHBackendConnection(
                        socket: sock, address: address, target: target, configuration: try transportConfiguration(),
                        hostKeyCheck: SSHHostKeyCheck(store: hostKeyStore, vhostID: options.vhostID, verify: sftp.verifyServer),
                        serverMatches: sftp.serverMatches)
                    let deadline = Deadline.after(seconds: setupSeconds)
                    try connection.establish(deadline: deadline)
                    try SSHBackendLogin(connection: connection).requestService(deadline: deadline)
                    return connection
                }
            }
        } catch let error as ReverseConnector.NoBackend {
            throw SSHBackendConnection.Failure(description: "no backend server reachable (\(error.attempts.count) attempt(s)): "
                                                + error.attempts.joined(separator: "; "))
        }
        let url = connection.target.url.description
        datastore.write("recording the connect to \(url)") {
            try $0.recordConnected(vhostID: $1, url: url, connectMillis: 0)
        }
        if plan.movesCursor && url != plan.order[0].url.description {
            datastore.write("moving the round-robin cursor") { try $0.setRoundRobinCursor(vhostID: $1, url: url) }
        }
        SessionNotes.setBackend(address: connection.address, url: connection.target.connectedURL)
        backend = connection
        relay.backend = connection
        return connection
    }

    private static func primaryGroup(of user: String) -> String? {
        let pool = make_sub_pool(session.pool)
        defer { destroy_pool(pool) }
        guard let pw = pr_auth_getpwnam(pool, user) else { return nil }
        return pr_auth_gid2name(pool, pw.pointee.pw_gid).map { String(cString: $0) }
    }

    /// ProxySFTPCiphers/Digests/KeyExchanges restrict and order the offer
    /// (config validation already refused names the transport lacks);
    /// ProxySFTPCompression adds zlib; ProxySFTPOptions NoExtensionNegotiation
    /// and NoStrictKex drop markers, PessimisticKexinit and OldProtocolCompat
    /// (which implies it) go to the transport.
    private func transportConfiguration() throws -> SSHClientTransport.Configuration {
        var configuration = SSHClientTransport.Configuration()
        configuration.algorithms = try AlgorithmPreferences(ciphers: sftp.ciphers, macs: sftp.digests,
                                                            keyExchanges: sftp.keyExchanges,
                                                            allowWeakDH: sftp.options.contains(.allowWeakDH))
        configuration.algorithms.offersExtInfo = !sftp.options.contains(.noExtensionNegotiation)
        configuration.algorithms.offersStrictKex = !sftp.options.contains(.noStrictKex)
        configuration.algorithms.compression = CompressionAlgorithm.offer(for: compressionSetting)
        configuration.pessimisticKexinit = sftp.options.contains(.pessimisticKexinit)
        configuration.acceptsOldProtocol = sftp.options.contains(.oldProtocolCompat)
        return configuration
    }

    private var compressionSetting: CompressionSetting {
        switch sftp.compression {
        case .off: return .off
        case .on: return .on
        case .delayed: return .delayed
        }
    }

    // MARK: the end

    /// A failure the client must hear of: DISCONNECT with the reason, then the session ends.
    func end(because reason: String) {
        guard !ending else { return }
        ProxyLog.write("session ended: \(reason)")
        SFTPFrontend.disconnect(code: 11, reason: reason)
        pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_BY_APPLICATION), reason)
    }

    /// core.exit: leave the backend politely.
    private func end() {
        guard !ending else { return }
        ending = true
        if let backend {
            // The peak RSS shows the relay keeps no packets (the C module's grows with every byte).
            var usage = rusage()
            getrusage(RUSAGE_SELF, &usage)
            ProxyLog.write("disconnect: session closed from backend \(backend.target.url) (peak RSS \(usage.ru_maxrss) KiB)")
            backend.close(reason: "client disconnected")
        }
        datastore.close()
        hostKeyStore?.close()
        Self.current = nil
        ProxyLog.close()
    }
}
