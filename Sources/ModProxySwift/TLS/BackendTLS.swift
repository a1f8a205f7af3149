import CProFTPD
import CShims
import ProxyCore

/// TLS on a backend's control connection, once established: the transport
/// (whose session data connections resume) and whether data is protected.
final class BackendTLS {
    let control: TLSTransport
    let context: TLSClientContext
    /// The name the certificate must carry (the backend URL's host).
    let serverName: String
    /// PROT P is in force toward the backend.
    var protectsData: Bool

    init(control: TLSTransport, context: TLSClientContext, serverName: String, protectsData: Bool) {
        self.control = control
        self.context = context
        self.serverName = serverName
        self.protectsData = protectsData
    }

    /// A data connection's socket wrapped in TLS, resuming the control
    /// connection's session (ProFTPD, like most servers, requires that),
    /// and handshaken within `deadline`.
    func protect(_ socket: TCPSocket, deadline: Deadline) throws -> TLSTransport {
        // A copy per data connection: OpenSSL marks a session it saw fail
        // (an abort, a reset) as not resumable, and that must not spoil the
        // control connection's for every later transfer.
        let shared = control.copySession()
        let session = shared.flatMap { SSL_SESSION_dup($0) }
        if let shared { SSL_SESSION_free(shared) }
        defer { if let session { SSL_SESSION_free(session) } }
        let data = try TLSTransport(socket: socket, context: context, serverName: serverName, resuming: session,
                                    bulkData: true)
        try data.handshake(deadline: deadline)
        ProxyLog.trace(9, "backend data connection: \(data.protocolName) \(data.cipherName)"
                       + (data.sessionReused ? " (resumed session)" : " (new session)")
                       + (data.unsentLimit.map { ", the kernel holds at most \($0) bytes unsent (TCP_NOTSENT_LOWAT)" }
                          ?? ", TCP_NOTSENT_LOWAT refused: no limit on unsent bytes"))
        return data
    }
}

/// The FTP side of TLS toward a backend (RFC 4217): AUTH TLS after the
/// banner, or TLS from the first byte; then PBSZ 0 and PROT as
/// ProxyTLSTransferProtectionPolicy says.
enum BackendTLSNegotiation {
    /// AUTH TLS on a connected control channel. Returns nil when the backend
    /// refused and TLS is optional (ProxyTLSEngine auto): the session goes on
    /// in clear. A refusal where TLS is required, or any failure after the
    /// backend accepted, throws: never a downgrade.
    static func upgrade(_ channel: BackendControlChannel, socket: TCPSocket, url: BackendURL, required: Bool,
                        context: TLSClientContext, options: SessionOptions,
                        resuming: OpaquePointer? = nil) throws -> TLSTransport? {
        let reply = try channel.exchange("AUTH TLS", deadline: .after(seconds: options.backendReplyTimeout))
        guard reply.code == 234 else {
            let text = reply.lines.last ?? "\(reply.code)"
            if required {
                throw TLSFailure(description: "backend refused AUTH TLS (\(text.prefix(120))) but TLS is required (\(url.scheme == .ftps ? "ftps:// URL" : "ProxyTLSEngine on"))",
                                 reason: .authTLSRefused(code: reply.code))
            }
            ProxyLog.write("backend \(url) refused AUTH TLS (\(text.prefix(120))): going on in clear (ProxyTLSEngine auto)")
            return nil
        }
        let tls = try TLSTransport(socket: socket, context: context, serverName: url.host, resuming: resuming)
        try tls.handshake(deadline: .after(seconds: options.tls.handshakeTimeout.seconds))
        channel.transport = tls
        return tls
    }

    /// PBSZ 0, then PROT P (policy `required`) or PROT C (`clear`); with
    /// `client` the data channel starts clear, as the client's does, and
    /// follows the client's PROT. Returns whether data is protected.
    /// Both commands leave together, one round trip rather than two (a
    /// login waits for it): RFC 4217 asks only that PBSZ come first, and
    /// servers answer commands in the order they arrive. A refused PBSZ
    /// fails the connection, so the PROT reply behind it is not read.
    static func setProtection(_ channel: BackendControlChannel, policy: TLSTransferProtectionPolicy,
                              options: SessionOptions) throws -> Bool {
        let deadline = Deadline.after(seconds: options.backendReplyTimeout)
        let level: String?
        switch policy {
        case .required: level = "P"
        case .clear: level = "C"
        case .client: level = nil
        }
        try channel.send("PBSZ 0", deadline: deadline)
        if let level { try channel.send("PROT \(level)", deadline: deadline) }
        let pbsz = try channel.readReply(deadline: deadline)
        guard pbsz.code / 100 == 2 else {
            throw TLSFailure(description: "backend refused PBSZ 0: \(pbsz.lines.last ?? "\(pbsz.code)")")
        }
        guard let level else { return false }
        return try protReply(level, channel, deadline)
    }

    /// PROT `level` to the backend; returns whether data is now protected.
    static func prot(_ level: String, _ channel: BackendControlChannel, _ deadline: Deadline) throws -> Bool {
        try channel.send("PROT \(level)", deadline: deadline)
        return try protReply(level, channel, deadline)
    }

    private static func protReply(_ level: String, _ channel: BackendControlChannel, _ deadline: Deadline) throws -> Bool {
        let reply = try channel.readReply(deadline: deadline)
        guard reply.code / 100 == 2 else {
            throw TLSFailure(description: "backend refused PROT \(level): \(reply.lines.last ?? "\(reply.code)")")
        }
        return level == "P"
    }

    /// POST_CMD of a client's AUTH TLS with ProxyTLSEngine MatchClient: a
    /// backend connected in clear before the client chose TLS is upgraded
    /// now, or the session ends (TLS exactly when the client uses it).
    static func followClientAUTH(session: ProxySession) {
        guard session.options.tls.engine == .matchClient, ClientTLS.isActive, session.backendTLS == nil,
              let backend = session.backend, let url = session.backendTarget?.connectedURL,
              let socket = backend.transport as? TCPSocket else { return }
        do {
            let context = try TLSClientContexts.context(serverID: session.options.vhostID, settings: session.options.tls)
            ClientCertificateRequest.reset()
            guard let tls = try upgrade(backend, socket: socket, url: url, required: true,
                                        context: context, options: session.options) else { return }
            let protects: Bool
            do {
                protects = try setProtection(backend, policy: session.options.tls.transferProtectionPolicy,
                                             options: session.options)
            } catch {
                throw TLSHandshakeFailure.afterHandshake(error)
            }
            session.backendTLS = BackendTLS(control: tls, context: context, serverName: url.host, protectsData: protects)
            SessionNotes.setBackendTLS(protocolName: tls.protocolName, cipher: tls.cipherName)
            ProxyLog.write("backend \(url) upgraded to \(tls.protocolName) as the client's AUTH TLS (ProxyTLSEngine MatchClient), data \(protects ? "protected" : "clear")")
        } catch {
            ProxyLog.write("session closed: the client uses TLS but backend \(url) could not (ProxyTLSEngine MatchClient): \(error)")
            let reason = (error as? TLSFailure)?.reason ?? .handshakeFailed
            ClientReplies.sendNow(code: "421", "Service not available: \(reason.clientText(backend: url.hostPort))")
            session.closeBackend()
            pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_BY_APPLICATION), "Backend TLS failed")
        }
    }

    /// POST_CMD of a client's PROT (policy `client`): the same to the backend.
    static func followClientPROT(_ cmd: CommandRecord, session: ProxySession) {
        guard session.options.tls.transferProtectionPolicy == .client,
              let tls = session.backendTLS, let backend = session.backend,
              let level = cmd.arguments.first?.uppercased(), level == "P" || level == "C" else { return }
        do {
            tls.protectsData = try prot(level, backend, session.replyDeadline)
            ProxyLog.write("backend data \(tls.protectsData ? "protected" : "clear") (client's PROT \(level))")
        } catch {
            ProxyLog.write("backend PROT \(level) failed: \(error); data stays \(tls.protectsData ? "protected" : "clear")")
        }
    }
}
