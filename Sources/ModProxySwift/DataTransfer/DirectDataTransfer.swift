import CProFTPD
import CShims
import Glibc
import ProxyCore

/// ProxyOptions UseDirectDataTransfers: the data connection runs between
/// the client and the backend, never through the proxy. PASV/EPSV go to
/// the backend and its reply goes back unchanged (as upstream: a 227 names
/// the backend's address, a 229 names none, so the client connects to the
/// address it reached the proxy on); PORT/EPRT are checked at the proxy as
/// core checks them (the backend only sees the proxy's address) and then
/// sent on. ProxyDataTransferPolicy and ProxyDirectoryListPolicy LIST do not
/// apply: there is no second data connection and no data to translate.
enum DirectDataNegotiation {
    static func handle(_ cmd: CommandRecord, name: String, session: ProxySession) -> CommandRouter.Result {
        guard let method = DataCommand(rawValue: name) else { return nil }
        session.frontendData.reset()
        session.backendData.reset()
        var line = cmd.wireLine
        if method == .port || method == .eprt {
            do {
                line = "\(name) " + (try argument(for: method, ActiveAddressCheck.endpoint(method, argument: cmd.argumentText)))
            } catch let refusal as ActiveAddressCheck.Refusal {
                ClientReplies.reply(code: refusal.code, refusal.text)
                return mps_error(cmd.raw)
            } catch {
                ClientReplies.reply(code: "501", ActiveAddressRule.illegal(method))
                return mps_error(cmd.raw)
            }
        }
        return CommandRouter.relay(cmd, session: session, line: line) { reply in
            if method == .epsv, reply.code == 229, let backend = session.backend, !sharesClientAddress(backend) {
                ProxyLog.write("direct EPSV: the backend's 229 names no address, so the client connects to the proxy's address, not to the backend at \(backend.address.ip.description)")
            }
        }
    }

    /// The argument sent on: the address as checked (the RFC 1918 rule may
    /// have replaced it), an IPv4-mapped client address as plain IPv4 so
    /// an IPv4 backend can use it.
    private static func argument(for method: DataCommand, _ endpoint: DataEndpoint) throws -> String {
        if method == .port { return try PORTArgument.format(endpoint) }
        if let v4 = endpoint.ipv4Address { return try EPRTArgument.format(address: v4, port: endpoint.port) }
        return EPRTArgument.format(endpoint)
    }

    /// Whether the client reached the proxy on the backend's own address.
    private static func sharesClientAddress(_ backend: BackendControlChannel) -> Bool {
        guard let local = session.c?.pointee.local_addr,
              let ip = IPAddress(String(cString: pr_netaddr_get_ipstr(local))) else { return false }
        return ip.isSameHost(as: backend.address.ip)
    }
}

/// A data command (RETR, STOR, LIST, ...) under UseDirectDataTransfers: the
/// command and its 1xx mark are relayed, then the proxy waits for the final
/// reply while the data flows elsewhere, answering the client's control
/// commands meanwhile (ABOR goes to the backend). The proxy's TransferLog
/// gets no line, as upstream's: it never sees the bytes, and the backend's
/// own TransferLog has the true one.
enum DirectTransfer {
    static func handle(_ cmd: CommandRecord, name: String, session: ProxySession) -> CommandRouter.Result {
        guard let backend = session.backend else { return nil }
        forgetTransferRecord()
        let mark: FTPReply
        do {
            mark = try backend.exchange(cmd.wireLine, deadline: session.replyDeadline)
        } catch {
            return CommandRouter.backendLost(cmd, session: session, error: error)
        }
        guard mark.code / 100 == 1 else {
            return ClientReplies.reply(mark) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
        }
        ClientReplies.sendNow(mark)
        let started = Deadline.now()
        switch awaitFinalReply(backend, session: session) {
        case .aborted:
            ProxyLog.write("direct transfer: \(name) '\(cmd.argumentText)' aborted by client")
            AbortHandler.finishAbortedTransfer(session: session, backend: backend)
            return mps_error(cmd.raw)
        case .clientGone:
            return mps_error(cmd.raw)
        case .failed(let error):
            return CommandRouter.backendLost(cmd, session: session, error: error)
        case .final(let reply):
            resetIdleTimers()
            ProxyLog.write("direct transfer: \(name) '\(cmd.argumentText)' in \(millisecondsSince(started)) ms: \(reply.code)")
            return ClientReplies.reply(reply) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
        }
    }

    /// session.xfer without a path: mod_xfer's LOG_CMD handlers then write
    /// no TransferLog line (xferlog_write skips a NULL file name).
    private static func forgetTransferRecord() {
        if session.xfer.p != nil { destroy_pool(session.xfer.p) }
        session.xfer = .init()
    }

    private enum Wait {
        case final(FTPReply)
        case aborted
        case clientGone
        case failed(Error)
    }

    /// Until the backend's final reply. The proxy sees none of the data, so
    /// the backend's own timeouts (TimeoutStalled, TimeoutNoTransfer) bound
    /// the transfer; the proxy's idle timers are held off meanwhile, as a
    /// plain server's are during a transfer. Each poll is bounded, so
    /// signals and the timers are handled.
    private static func awaitFinalReply(_ backend: BackendControlChannel, session: ProxySession) -> Wait {
        while true {
            resetIdleTimers()
            if backend.hasUnsolicitedInput() {
                do {
                    return .final(try backend.readReply(deadline: session.replyDeadline))
                } catch {
                    return .failed(error)
                }
            }
            if ClientControlInput.hasBufferedInput || clientReadable() {
                switch ControlDuringTransfer.handle(session: session, bytesSoFar: nil) {
                case .abort:
                    return session.backend == nil ? .clientGone : .aborted
                case .waitForMore:
                    usleep(200_000)
                case .continueTransfer:
                    break
                }
                continue
            }
            var fds = [pollfd(fd: backend.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: ClientControlInput.fd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, 500) < 0, errno == EINTR { pr_signals_handle() }
        }
    }

    private static func clientReadable() -> Bool {
        var pfd = pollfd(fd: ClientControlInput.fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }
}
