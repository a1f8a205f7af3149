import CProFTPD
import CShims
import Glibc
import ProxyCore

/// Connects a session to a backend: tries the selector's candidates in
/// order (ProxyRetryCount attempts, each bounded by ProxyTimeoutConnect),
/// sends the PROXY protocol header when configured, and reads the banner.
struct ReverseConnector {
    let options: SessionOptions

    struct Connected {
        let channel: BackendControlChannel
        let target: SelectedBackend
        /// TLS on the control connection, when negotiated.
        let tls: BackendTLS?
        let banner: FTPReply
        let connectMillis: Int
    }

    struct NoBackend: Error, CustomStringConvertible {
        let attempts: [String]
        /// Why the last candidate failed (for replies that name one reason).
        var lastError: Error?
        /// What the client is told when the last TLS failure among the
        /// attempts explains it ("TLS to backend host:port failed: ...").
        var clientText: String? = nil
        var description: String {
            "no backend server reachable after \(attempts.count) attempt(s): " + attempts.joined(separator: "; ")
        }
    }

    /// Tries `candidates` in order (a DNS-discovered one: each of its
    /// `endpoints` in turn, within the same attempt); `failed` hears of each
    /// candidate, and each endpoint, that did not work (the caller holds it
    /// off for later sessions).
    func connect(candidates: [SelectedBackend], endpoints: [BackendURL: [BackendURL]] = [:],
                 failed: (BackendURL) -> Void) throws -> Connected {
        try firstConnected(candidates: candidates, endpoints: endpoints, failed: failed) { target, started in
            try connect(to: target, started: started)
        }
    }

    /// The failover loop of every backend protocol: `attempt` connects one
    /// target (FTP: banner and TLS; SSH: version exchange and key exchange).
    func firstConnected<Connection>(candidates: [SelectedBackend], endpoints: [BackendURL: [BackendURL]] = [:],
                                    failed: (BackendURL) -> Void,
                                    attempt: (SelectedBackend, UInt64) throws -> Connection) throws -> Connection {
        var failures: [String] = []
        var lastError: Error?
        var clientText: String?
        for candidate in candidates {
            let discovered = endpoints[candidate.url]
            for endpoint in discovered ?? [candidate.url] {
                var target = candidate
                target.endpoint = discovered == nil ? nil : endpoint
                let shown = discovered == nil ? "\(candidate.url)" : "\(candidate.url) (\(endpoint))"
                let started = Deadline.now()
                do {
                    let connected = try attempt(target, started)
                    ProxyLog.write("backend selected: \(shown) (policy \(target.reason)), connected in \(millisecondsSince(started)) ms")
                    return connected
                } catch {
                    ProxyLog.write("backend connect failed: \(shown): \(error)")
                    failures.append("\(shown): \(error)")
                    lastError = error
                    if let reason = (error as? TLSFailure)?.reason {
                        clientText = reason.clientText(backend: endpoint.hostPort)
                    }
                    if discovered != nil { failed(endpoint) }
                }
            }
            failed(candidate.url)
        }
        throw NoBackend(attempts: failures, lastError: lastError, clientText: clientText)
    }

    /// TCP to one of the target's addresses in turn (from ProxySourceAddress),
    /// the PROXY header first when configured; then `speak` starts the
    /// backend protocol on it (a failure there tries the next address).
    func openSocket<Connection>(to target: SelectedBackend, deadline: Deadline,
                                speak: (TCPSocket, SocketAddress) throws -> Connection) throws -> Connection {
        let url = target.connectedURL
        let addresses = try SocketAddress.resolve(host: url.host, port: url.port)
        var lastError: Error = SystemError("connect", ECONNREFUSED)
        for address in addresses {
            do {
                let source = try options.sourceAddress.flatMap {
                    try SocketAddress.resolve(host: $0, port: 0, numericOnly: false).first { $0.family == address.family }
                }
                let sock = try TCPSocket.connect(to: address, from: source, deadline: deadline)
                // The PROXY header comes first, before TLS or SSH too.
                if let header = ProxyProtocolSender.header(for: options.proxyProtocol, backend: sock) {
                    try sock.writeAll(header, deadline: deadline)
                }
                return try speak(sock, address)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private func connect(to target: SelectedBackend, started: UInt64) throws -> Connected {
        let url = target.connectedURL
        let deadline = Deadline.after(seconds: options.connectTimeout)
        return try openSocket(to: target, deadline: deadline) { sock, address in
            let mode = BackendTLSMode.decide(engine: options.tls.engine, url: url, clientUsesTLS: ClientTLS.isActive)
                ?? BackendTLSMode.none
            let context = mode.usesTLS ? try TLSClientContexts.context(serverID: options.vhostID, settings: options.tls) : nil
            var tls: TLSTransport?
            ClientCertificateRequest.reset()
            let cached = mode.usesTLS ? TLSSessionCache.session(for: url.description, options: options) : nil
            defer { if let cached { SSL_SESSION_free(cached) } }
            if mode == .implicit, let context {
                let implicit = try TLSTransport(socket: sock, context: context, serverName: url.host, resuming: cached)
                try implicit.handshake(deadline: .after(seconds: options.tls.handshakeTimeout.seconds))
                tls = implicit
            }
            let channel = BackendControlChannel(transport: tls ?? sock, address: address)
            let banner: FTPReply
            do {
                banner = try channel.readReply(deadline: .after(seconds: max(options.connectTimeout, 10)))
            } catch where tls != nil {
                throw TLSHandshakeFailure.afterHandshake(error)
            }
            guard banner.code / 100 == 2 else {
                channel.close()
                throw BannerRefused(code: banner.code, text: banner.lines.last ?? "")
            }
            if case .explicit(let required) = mode, let context {
                tls = try BackendTLSNegotiation.upgrade(channel, socket: sock, url: url, required: required,
                                                        context: context, options: options, resuming: cached)
            }
            var backendTLS: BackendTLS?
            if let tls, let context {
                let protects: Bool
                do {
                    protects = try BackendTLSNegotiation.setProtection(channel, policy: options.tls.transferProtectionPolicy,
                                                                       options: options)
                } catch {
                    throw TLSHandshakeFailure.afterHandshake(error)
                }
                backendTLS = BackendTLS(control: tls, context: context, serverName: url.host, protectsData: protects)
                ProxyLog.write("backend \(url): \(tls.protocolName) \(tls.cipherName)\(tls.sessionReused ? " (resumed session)" : ""), data \(protects ? "protected" : "clear")")
                TLSSessionCache.remember(tls, backend: url.description, options: options)
            }
            return Connected(channel: channel, target: target, tls: backendTLS, banner: banner,
                             connectMillis: millisecondsSince(started))
        }
    }
}

struct BannerRefused: Error, CustomStringConvertible {
    let code: Int
    let text: String
    var description: String { "backend refused the session: \(text.prefix(200))" }
}
