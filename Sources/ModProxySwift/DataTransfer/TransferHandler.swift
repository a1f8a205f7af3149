import CProFTPD
import CShims
import Glibc
import ProxyCore

/// RETR, STOR, STOU, APPE, LIST, NLST, MLSD: send the command to the backend,
/// open both data connections, relay the bytes, then relay the backend's
/// final reply. ABOR from the client mid-transfer is honoured.
enum TransferHandler {
    typealias Result = UnsafeMutablePointer<modret_t>?

    enum Direction { case download, upload }

    static func handle(_ cmd: CommandRecord, name: String, session: ProxySession) -> Result {
        guard let backend = session.backend else { return nil }
        guard session.frontendData.isPrepared, session.backendData.isPrepared else {
            ClientReplies.reply(code: "425", "Unable to build data connection: use PASV, EPSV, PORT or EPRT first")
            return mps_error(cmd.raw)
        }
        let direction: Direction = ["STOR", "STOU", "APPE"].contains(name) ? .upload : .download
        let started = Deadline.now()
        let log = TransferLogContext(command: name, path: cmd.argumentText, direction: direction)
        log.begin()

        // 1. The command, and the backend's preliminary (1xx) reply.
        let mark: FTPReply
        do {
            mark = try backend.exchange(cmd.wireLine, deadline: session.replyDeadline)
        } catch {
            resetData(session)
            return CommandRouter.backendLost(cmd, session: session, error: error)
        }
        guard mark.code / 100 == 1 else {
            resetData(session)
            return ClientReplies.reply(mark) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
        }

        // 2. Both data connections.
        let backendSocket: TCPSocket
        do {
            backendSocket = try session.backendData.open(expectedPeer: backend.address,
                                                         deadline: .after(seconds: session.options.connectTimeout))
        } catch {
            return dataConnectionFailed(cmd, side: "backend", error: error, session: session, backend: backend)
        }
        ClientReplies.sendNow(mark)
        let frontendConn: UnsafeMutablePointer<conn_t>
        do {
            frontendConn = try session.frontendData.open(acceptSeconds: session.options.frontendConnectTimeout,
                                                         connectSeconds: session.options.connectTimeout)
        } catch {
            backendSocket.close()
            return dataConnectionFailed(cmd, side: "client", error: error, session: session, backend: backend)
        }

        // 3. The bytes.
        let frontend = RelayEndpoint.frontend(frontendConn)
        let backendEnd = RelayEndpoint.socket(backendSocket.fd)
        let relay = DataRelay(source: direction == .download ? backendEnd : frontend,
                              destination: direction == .download ? frontend : backendEnd,
                              controlFD: mps_netio_fd(session_control_instream()),
                              stallSeconds: session.options.stallTimeout,
                              onProgress: { resetIdleTimers() })
        var outcome = relay.run()
        var aborted = false
        while case .controlInput(let soFar) = outcome {
            switch ControlDuringTransfer.handle(session: session, bytesSoFar: soFar) {
            case .continueTransfer:
                outcome = relay.run()
            case .waitForMore:
                relay.pauseControl(milliseconds: 200)
                outcome = relay.run()
            case .abort:
                aborted = true
                outcome = .completed(bytes: soFar)
            }
        }
        let bytes: Int64
        switch outcome {
        case .completed(let n), .controlInput(let n), .stalled(let n),
             .sourceFailed(let n, _), .destinationFailed(let n, _):
            bytes = n
        }
        if aborted {
            session.frontendData.abortConnection()
            backendSocket.close()
            session.backendData.reset()
            AbortHandler.finishAbortedTransfer(session: session, backend: backend)
            log.end(bytes: bytes, started: started, result: "aborted by client")
            return mps_handled(cmd.raw)
        }

        // 4. Close in the order that lets each side see the end of data.
        var failure: String?
        switch outcome {
        case .completed:
            if direction == .download {
                session.frontendData.closeConnection()
                backendSocket.close()
            } else {
                backendSocket.shutdownWrite()
                backendSocket.close()
                session.frontendData.closeConnection()
            }
        case .stalled:
            failure = "data transfer stalled"
        case .sourceFailed(_, let e):
            failure = "\(direction == .download ? "backend" : "client") data connection failed: \(errnoText(e))"
        case .destinationFailed(_, let e):
            failure = "\(direction == .download ? "client" : "backend") data connection failed: \(errnoText(e))"
        case .controlInput:
            break
        }
        if failure != nil {
            session.frontendData.abortConnection()
            backendSocket.close()
        }
        session.backendData.reset()

        // 5. The backend's final reply.
        let final: FTPReply?
        do {
            final = try backend.readReply(deadline: .after(seconds: max(session.options.lingerTimeout, failure == nil ? 0 : 1)))
        } catch is BackendClosed {
            log.end(bytes: bytes, started: started, result: "backend closed the control connection")
            ClientReplies.reply(code: "426", "Transfer aborted: backend connection lost")
            return CommandRouter.backendLost(cmd, session: session, error: BackendClosed())
        } catch let error as FTPReplyError {
            log.end(bytes: bytes, started: started, result: "unusable final reply from backend")
            return CommandRouter.backendLost(cmd, session: session, error: error)
        } catch {
            final = nil
        }
        resetIdleTimers()
        if let failure {
            log.end(bytes: bytes, started: started, result: failure)
            if let final, final.code / 100 != 2 {
                ClientReplies.reply(final)
            } else {
                if final == nil { backend.owedReplies += 1 }
                ClientReplies.reply(code: "426", "Transfer aborted: \(failure)")
            }
            return mps_error(cmd.raw)
        }
        guard let final else {
            // The data arrived whole; the backend is late with its reply.
            backend.owedReplies += 1
            log.end(bytes: bytes, started: started, result: "complete (no final reply from backend within ProxyTimeoutLinger)")
            ClientReplies.reply(code: "226", "Transfer complete")
            return mps_handled(cmd.raw)
        }
        log.end(bytes: bytes, started: started, result: "\(final.code)")
        return ClientReplies.reply(final) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
    }

    /// A data connection could not be opened after the backend's 1xx mark:
    /// 425 to the client; the backend's final reply for the command is read
    /// (or owed) so replies stay in step.
    private static func dataConnectionFailed(_ cmd: CommandRecord, side: String, error: Error,
                                             session: ProxySession, backend: BackendControlChannel) -> Result {
        ProxyLog.write("\(cmd.name): \(side) data connection failed: \(error)")
        resetData(session)
        if (try? backend.readReply(deadline: .after(seconds: session.options.lingerTimeout))) == nil {
            backend.owedReplies += 1
        }
        ClientReplies.reply(code: "425", "Unable to build data connection")
        return mps_error(cmd.raw)
    }

    private static func resetData(_ session: ProxySession) {
        session.frontendData.reset()
        session.backendData.reset()
    }
}

/// The client's control input stream.
func session_control_instream() -> UnsafeMutablePointer<pr_netio_stream_t>? {
    session.c?.pointee.instrm
}

/// Keeps ProFTPD's idle and no-transfer timers from firing during a transfer.
func resetIdleTimers() {
    _ = pr_timer_reset(PR_TIMER_IDLE, ANY_MODULE)
    _ = pr_timer_reset(PR_TIMER_NOXFER, ANY_MODULE)
}
