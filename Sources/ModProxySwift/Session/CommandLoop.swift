import Glibc
import CProFTPD
import CShims
import ProxyCore

/// The session's command loop (installed with pr_cmd_set_handler). It is
/// ProFTPD's own loop plus two things a proxy needs: responses are unblocked
/// (the core's banner was suppressed), and while it waits for the client's
/// next command it also watches the backend, whose unsolicited replies
/// (e.g. its idle timeout, or a close) end the session at once.
enum CommandLoop {
    static func run() {
        _ = pr_response_block(FALSE)
        while true {
            pr_signals_handle()
            awaitClientOrBackend()

            var cmd: UnsafeMutablePointer<cmd_rec>?
            if pr_cmd_read(&cmd) < 0 {
                if let strm = session.c?.pointee.instrm, strm.pointee.strm_errno == EINTR { continue }
                pr_session_disconnect(nil, Int32(PR_SESS_DISCONNECT_CLIENT_EOF), nil)
                return
            }
            _ = pr_timer_reset(PR_TIMER_IDLE, ANY_MODULE)
            if let cmd {
                if cmd.pointee.is_ftp == FALSE {
                    let proto = cmd.pointee.protocol.map { String(cString: $0) } ?? "?"
                    ProxyLog.write("client sent \(proto) command '\(CommandRecord(raw: cmd).name)', disconnecting")
                    pr_event_generate("core.bad-protocol", cmd)
                    pr_session_disconnect(nil, Int32(PR_SESS_DISCONNECT_BAD_PROTOCOL), cmd.pointee.protocol)
                }
                // A proxied command's reply blocks responses until here.
                _ = pr_response_block(FALSE)
                _ = pr_cmd_dispatch(cmd)
                // Unblocked while waiting: a timeout's 421 (TimeoutIdle,
                // TimeoutNoTransfer) must reach the client.
                _ = pr_response_block(FALSE)
                destroy_pool(cmd.pointee.pool)
                session.curr_cmd = nil
                session.curr_cmd_id = 0
                session.curr_cmd_rec = nil
                if let proxySession = currentSession, proxySession.isLoggedIn {
                    SessionLifecycle.dropRoot(proxySession)
                }
                if let reason = currentSession?.disconnectAfterCommand {
                    pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_CONFIG_ACL), reason)
                }
                if currentSession?.quitRequested == true {
                    pr_session_disconnect(nil, Int32(PR_SESS_DISCONNECT_CLIENT_QUIT), nil)
                }
            } else {
                _ = pr_response_block(FALSE)
                pr_event_generate("core.invalid-command", nil)
                mps_response_send("500", "Invalid command: try being more creative")
            }
            pr_inet_clear()
        }
    }

    /// Waits until the client has input, handling what the backend says
    /// meanwhile. ProFTPD's timers (TimeoutIdle, ...) interrupt the wait
    /// with SIGALRM and run in pr_signals_handle, as in pr_cmd_read.
    private static func awaitClientOrBackend() {
        while true {
            checkBackend()
            guard let backend = currentSession?.backend, backend.ledger.isSettled,
                  !ClientControlInput.hasBufferedInput else { return }
            var fds = [pollfd(fd: ClientControlInput.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: backend.fd, events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, -1)
            if rc < 0 {
                guard errno == EINTR else { return }
                pr_signals_handle()
                continue
            }
            if fds[0].revents != 0 { return }
        }
    }

    /// The backend spoke out of turn: usually "421 timeout" followed by EOF.
    /// Tell the client and end the session rather than desynchronise.
    private static func checkBackend() {
        guard let proxySession = currentSession, let backend = proxySession.backend,
              backend.ledger.isSettled, backend.hasUnsolicitedInput() else { return }
        let reply: FTPReply?
        var failure: Error?
        do {
            reply = try backend.readReply(deadline: .after(milliseconds: 200))
        } catch let error as SystemError where error.code == ETIMEDOUT {
            return   // part of a reply: the rest wakes the wait again
        } catch {
            reply = nil
            failure = error
        }
        if let reply, reply.code / 100 != 4 && reply.code / 100 != 5 {
            ProxyLog.write("ignoring unsolicited backend reply \(reply.code)")
            return
        }
        if let reply {
            ProxyLog.write("backend closed the session: \(ConfigText.printable(reply.lineBytes.last ?? [], limit: 200))")
        } else if let failure = failure as? FTPReplyError {
            ProxyLog.write("abandoning the backend connection: unusable unsolicited reply: \(failure)")
        } else {
            ProxyLog.write("backend closed the session: \(failure.map { "\($0)" } ?? "connection closed")")
        }
        if let reply {
            // The backend's own words (its TimeoutIdle, TimeoutNoTransfer,
            // ...), as its client would have read them.
            ClientReplies.sendNow(reply)
        } else {
            ClientReplies.sendNow(code: "421", CommandRouter.clientText(for: failure ?? BackendClosed()))
        }
        proxySession.closeBackend()
        pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_BY_APPLICATION), "Backend control connection lost")
    }
}
