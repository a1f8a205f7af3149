import CProFTPD
import CShims
import Glibc
import ProxyCore
import ProxySSH

/// After the login: connection-layer packets verbatim both ways. Client
/// packets arrive through mod_sftp's packet handler; backend packets are
/// read in mod_sftp's read-poll event (before each of its client reads),
/// never while mod_sftp is in a key exchange: then they wait in the outbox
/// (or in the kernel) until `kex.completed`.
final class SSHPacketRelay {
    var backend: SSHBackendConnection?
    /// Backend payloads held while the client's keys were changing.
    private var outbox: [[UInt8]] = []
    /// Payloads, and bytes, queued in the backend transport during its own
    /// key exchange beyond which the client is held back (read no further):
    /// many small packets or a few 256 KiB ones, memory stays bounded.
    private static let backendQueueBound = 512
    private static let backendQueueByteBound = 8 << 20
    private var replies = ReplyRouting()
    /// Each channel's windows as the relay grants them (a bounded window
    /// to each sender, topped up as data is forwarded).
    private var windows = ChannelWindows()
    /// ProxySFTPServerAlive: when the backend last sent something, when we last probed it.
    private var lastBackendInput = Deadline.now()
    private var lastKeepalive: UInt64 = 0
    /// SFTPClientAlive: the relay's probes of a silent client (mod_sftp's own never run while we wait).
    private lazy var clientAlive = SFTPClientAliveSetting.configured()
    private var lastClientInput = Deadline.now()
    private var lastClientProbe: UInt64 = 0

    private var session: ReverseSSHSession? { ReverseSSHSession.current }

    /// mod_sftp's packet handler: ours after the login for connection-layer
    /// messages (the packet is freed here), mod_sftp's otherwise (ENOSYS).
    func frontendPacket(_ packet: UnsafeMutableRawPointer) -> Int32 {
        var payload = SFTPFrontend.payload(of: packet)
        lastClientInput = Deadline.now()
        let loggedIn = (session?.loggedIn ?? false) && SFTPFrontend.state & SFTPFrontend.haveAuth != 0
        guard let backend, ConnectionMessageRoute.frontendPacketGoesToBackend(payload, loggedIn: loggedIn) else {
            errno = ENOSYS
            return -1
        }
        switch replies.clientPacketDestination(payload) {
        case .modSFTP:
            errno = ENOSYS
            return -1
        case .relayProbe:
            mps_sftp_packet_free(packet)  // the client is alive: that is all it said
            return 0
        case .backend:
            break
        }
        mps_sftp_packet_free(packet)
        replies.clientSent(payload)
        do {
            let deadline = stallDeadline()
            let decision = try windows.pass(&payload, from: .client)
            if decision.forward { try backend.gather(payload, deadline: deadline) }
            try deliver(decision.adjust)
            // The backend is changing keys and our queue grows: wait for it
            // (relaying what it sends meanwhile), so TCP holds the client back.
            while backend.transport.queuedPayloads > Self.backendQueueBound
                    || backend.transport.queuedBytes > Self.backendQueueByteBound {
                try backend.readOnce(deadline: deadline)
                try relayBackendPackets()
            }
        } catch {
            session?.end(because: "\(error)")
        }
        return 0
    }

    /// mod_sftp's read-poll event: relays backend packets until the client
    /// has something to read (then mod_sftp reads it).
    func readPoll() {
        guard let backend, session?.loggedIn == true, let conn = CProFTPD.session.c else {
            return
        }
        let clientFD = conn.pointee.rfd
        if backend.hasPendingOutput {
            // Client packets gathered for the backend: more of the client's
            // burst to read first (one write for many packets), unless the
            // backend has something to say.
            var fds = [pollfd(fd: clientFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: backend.socket.fd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, 0) > 0 && fds[0].revents != 0 && fds[1].revents == 0 { return }
            do {
                try backend.flush(deadline: stallDeadline())
            } catch {
                session?.end(because: "\(error)")
                return
            }
        }
        guard SFTPFrontend.acceptsWrites else { return }
        flushOutbox(force: false)
        while SFTPFrontend.acceptsWrites && outbox.isEmpty {
            var fds = [pollfd(fd: clientFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: backend.socket.fd, events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, 1000)
            if rc < 0 {
                if errno == EINTR { pr_signals_handle(); continue }
                return
            }
            do {
                if fds[1].revents != 0 {
                    lastBackendInput = Deadline.now()
                    try backend.readOnce(deadline: stallDeadline())
                    try relayBackendPackets()
                } else {
                    try probeSilentBackend(backend)
                    try probeSilentClient()
                }
            } catch {
                session?.end(because: "\(error)")
                return
            }
            if fds[0].revents != 0 { return }
        }
    }

    /// Writes what waited; `force` at `kex.completed`, where mod_sftp's new
    /// keys are in use although its REKEYING bit is still set.
    func flushOutbox(force: Bool) {
        while !outbox.isEmpty && (force || SFTPFrontend.acceptsWrites) {
            do {
                try SFTPFrontend.write(outbox.removeFirst())
            } catch {
                session?.end(because: "\(error)")
                return
            }
        }
    }

    /// ProxySFTPServerAlive count interval: a backend silent for `interval`
    /// seconds gets a keepalive@proftpd.org request; `count` of them
    /// unanswered end the session (as upstream's "server alive threshold").
    private func probeSilentBackend(_ backend: SSHBackendConnection) throws {
        guard let alive = session?.sftp.serverAlive, alive.maxCount > 0, alive.intervalSeconds > 0 else { return }
        let interval = UInt64(alive.intervalSeconds) * 1_000_000_000
        let now = Deadline.now()
        guard now &- lastBackendInput >= interval, now &- lastKeepalive >= interval else { return }
        if replies.pendingKeepalives >= alive.maxCount {
            throw SSHBackendConnection.Failure(description: "backend \(backend.target.url): server alive threshold reached "
                                                + "(\(alive.maxCount) keepalives unanswered in \(alive.intervalSeconds) s intervals)")
        }
        var w = SSHWriter()
        w.byte(ConnectionMessage.globalRequest)
        w.string("keepalive@proftpd.org")
        w.boolean(true)
        try backend.send(w.bytes, deadline: stallDeadline())
        replies.proxyKeepaliveSent()
        lastKeepalive = now
    }

    /// SFTPClientAlive count interval, as mod_sftp does it: a client silent
    /// for `interval` seconds gets a keepalive@proftpd.org global request;
    /// more than `count` unanswered end the session with mod_sftp's reason.
    private func probeSilentClient() throws {
        guard let alive = clientAlive, SFTPFrontend.acceptsWrites else { return }
        let interval = UInt64(alive.intervalSeconds) * 1_000_000_000
        let now = Deadline.now()
        guard now &- lastClientInput >= interval, now &- lastClientProbe >= interval else { return }
        if replies.pendingRelayProbes >= alive.maxCount {
            ProxyLog.write("SFTPClientAlive threshold (max \(alive.maxCount) checks, \(alive.intervalSeconds) sec interval) "
                           + "reached, disconnecting client")
            session?.end(because: "client alive threshold reached")
            return
        }
        var w = SSHWriter()
        w.byte(ConnectionMessage.globalRequest)
        w.string("keepalive@proftpd.org")
        w.boolean(true)
        try SFTPFrontend.write(w.bytes)
        replies.relayProbeSent()
        lastClientProbe = now
    }

    /// One read's worth of backend payloads to the client, consecutive
    /// channel data joined (`ChannelDataCoalescer`).
    private func relayBackendPackets() throws {
        guard let backend else { return }
        var coalescer = ChannelDataCoalescer()
        for payload in backend.takeInbox() {
            if replies.backendReplyIsTheProxys(payload) { continue }  // our keepalive answered
            switch ConnectionMessageRoute.backendPacket(payload) {
            case .relay:
                replies.backendSent(payload)
                var payload = payload
                let decision = try windows.pass(&payload, from: .backend)
                if decision.forward {
                    let ready = coalescer.add(payload) { windows.maxPacket(ofReceiver: .client, channel: $0) }
                    for payload in ready { try writeToClient(payload) }
                }
                if decision.adjust?.to == .client, let rest = coalescer.flush() { try writeToClient(rest) }
                try deliver(decision.adjust)
            case .answer(let reply):
                if let reply { try backend.send(reply, deadline: stallDeadline()) }
            case .refuse(let why):
                throw SSHBackendConnection.Failure(description: "backend \(backend.target.url) sent \(why)")
            }
        }
        if let rest = coalescer.flush() { try writeToClient(rest) }
    }

    /// Backend payloads (and the relay's own) go to the client in order:
    /// through the outbox while mod_sftp changes keys.
    private func writeToClient(_ payload: [UInt8]) throws {
        if outbox.isEmpty && SFTPFrontend.acceptsWrites {
            try SFTPFrontend.write(payload)
        } else {
            outbox.append(payload)
        }
    }

    /// A WINDOW_ADJUST of the relay's own (`ChannelWindows`).
    private func deliver(_ adjust: (to: ChannelWindows.Side, payload: [UInt8])?) throws {
        guard let adjust, let backend else { return }
        switch adjust.to {
        case .client: try writeToClient(adjust.payload)
        case .backend: try backend.send(adjust.payload, deadline: stallDeadline())
        }
    }

    private func stallDeadline() -> Deadline {
        .after(seconds: max(session?.options.stallTimeout ?? 60, 10))
    }
}
