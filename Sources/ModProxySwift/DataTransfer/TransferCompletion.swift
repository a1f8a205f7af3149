import CShims
import Glibc
import ProxyCore

extension Transfer {
    /// Phase 4: close the data connections in the order that lets each side
    /// see the end of the data, then relay the backend's final reply.
    func finish(_ relayed: RelayedTransfer, connections: TransferConnections) -> Transfer.Result {
        let bytes = relayed.fileBytes
        if relayed.aborted {
            session.frontendData.abortConnection()
            // A reset, so that the backend answers its 426 as a plain
            // server would: a clean close ended an upload as complete (226)
            // whenever it reached the backend before the ABOR.
            connections.backend.abortConnection()
            session.backendData.reset()
            AbortHandler.finishAbortedTransfer(session: session, backend: backend)
            log.end(bytes: bytes, started: started, result: "aborted by client")
            log.writeIncomplete()
            // An error result: mod_xfer's LOG_CMD would log it as complete.
            return mps_error(cmd.raw)
        }

        if case .stalled = relayed.outcome {
            return stalled(bytes: bytes, connections: connections)
        }
        let failure = relayed.failure ?? failureText(relayed.outcome)
        if failure == nil {
            closeInOrder(connections)
        } else {
            session.frontendData.abortConnection()
            connections.backend.close()
        }
        session.backendData.reset()

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
            log.writeIncomplete()
            if let final, final.code / 100 != 2 {
                ClientReplies.reply(final)
            } else {
                if final == nil { backend.ledger.owe() }
                ClientReplies.reply(code: "426", "Transfer aborted: \(failure)")
            }
            return mps_error(cmd.raw)
        }
        guard let final else {
            // The data arrived whole; the backend is late with its reply.
            backend.ledger.owe()
            log.end(bytes: bytes, started: started, result: "complete (no final reply from backend within ProxyTimeoutLinger)")
            ClientReplies.reply(code: "226", "Transfer complete")
            return mps_handled(cmd.raw)
        }
        log.end(bytes: bytes, started: started, result: "\(final.code)")
        if final.code / 100 != 2 { log.writeIncomplete() }
        return ClientReplies.reply(final) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
    }

    /// TimeoutStalled as ProFTPD's data layer ends it (stalled_timeout_cb):
    /// the event, a log line, and the session's end without a reply.
    private func stalled(bytes: Int64, connections: TransferConnections) -> Transfer.Result {
        log.end(bytes: bytes, started: started, result: "data transfer stalled")
        log.writeIncomplete()
        session.frontendData.abortConnection()
        connections.backend.close()
        session.closeBackend()
        pr_event_generate("core.timeout-stalled", nil)
        let seconds = session.options.stallTimeout
        mps_log_pri(PR_LOG_NOTICE, "Data transfer stall timeout: \(seconds) \(seconds != 1 ? "seconds" : "second")")
        pr_session_disconnect(nil, Int32(PR_SESS_DISCONNECT_TIMEOUT), "TimeoutStalled during data transfer")
        return mps_error(cmd.raw)
    }

    /// Downloads: the client's connection closes first (its EOF is the end
    /// of the file). Uploads: a half-close tells the backend the file ended.
    private func closeInOrder(_ connections: TransferConnections) {
        if direction == .download {
            session.frontendData.closeConnection()
            connections.backend.close()
        } else {
            connections.backend.shutdownWrite()
            connections.backend.close()
            session.frontendData.closeConnection()
        }
    }

    private func failureText(_ outcome: DataRelay.Outcome) -> String? {
        switch outcome {
        case .completed, .controlInput:
            return nil
        case .stalled:
            return "data transfer stalled"
        case .sourceFailed(_, let e):
            return "\(side(ofSource: true)) data connection failed: \(errnoText(e))"
        case .destinationFailed(_, let e):
            return "\(side(ofSource: false)) data connection failed: \(errnoText(e))"
        }
    }
}
