import Glibc
import CProFTPD
import CShims
import ProxyCore

/// A command from the client while a transfer runs: ABOR stops it, STAT and
/// NOOP are answered here, anything else must wait for the transfer's end.
/// A command is read only once its whole line is there (ClientControlInput),
/// so half a line never holds up the transfer.
enum ControlDuringTransfer {
    enum Action { case continueTransfer, abort, waitForMore }

    /// The control connection became readable: every whole command line
    /// that is there now, or `.waitForMore` when only part of one is.
    /// `bytesSoFar` is nil when the data does not pass the proxy
    /// (UseDirectDataTransfers).
    static func handle(session: ProxySession, bytesSoFar: Int64?) -> Action {
        switch ClientControlInput.pull() {
        case .partial: return .continueTransfer   // the rest wakes the relay again
        case .blocked: return .waitForMore
        case .ready: break
        }
        repeat {
            if handleOne(session: session, bytesSoFar: bytesSoFar) == .abort { return .abort }
        } while ClientControlInput.hasBufferedLine()
        return .continueTransfer
    }

    private static func handleOne(session: ProxySession, bytesSoFar: Int64?) -> Action {
        let relayed = bytesSoFar.map { "\($0) bytes relayed" } ?? "direct data transfer"
        var raw: UnsafeMutablePointer<cmd_rec>?
        if pr_cmd_read(&raw) < 0 {
            if errno == EINTR { return .continueTransfer }
            ProxyLog.write("client closed the control connection during a transfer (\(relayed))")
            session.closeBackend()
            pr_session_disconnect(nil, Int32(PR_SESS_DISCONNECT_CLIENT_EOF), nil)
            return .abort
        }
        guard let raw else { return .continueTransfer }
        defer { destroy_pool(raw.pointee.pool) }
        let name = CommandRecord(raw: raw).name.uppercased()
        switch name {
        case "ABOR":
            ProxyLog.write("ABOR from client " + (bytesSoFar.map { "after \($0) bytes" } ?? "during a direct data transfer"))
            return .abort
        case "STAT":
            ClientReplies.sendNow(code: "213", bytesSoFar.map { "Status: \($0) bytes transferred" }
                                           ?? "Status: data transfer in progress")
        case "NOOP":
            ClientReplies.sendNow(code: "200", "NOOP command successful")
        default:
            ClientReplies.sendNow(code: "450", "\(name): data transfer in progress")
        }
        return .continueTransfer
    }
}

/// Ends a transfer the client aborted: ABOR to the backend, then its two
/// replies (the transfer's 426/226 and the ABOR's 225/226) to the client.
enum AbortHandler {
    static func finishAbortedTransfer(session: ProxySession, backend: BackendControlChannel) {
        let deadline = Deadline.after(seconds: max(session.options.lingerTimeout, 1))
        do {
            try backend.send("ABOR")
        } catch {
            ClientReplies.sendNow(code: "426", "Transfer aborted. Data connection closed")
            ClientReplies.reply(code: "226", "Abort successful")
            return
        }
        var replies: [FTPReply] = []
        var expected = AbortReplies()
        while !expected.isComplete {
            guard let reply = try? backend.readReply(deadline: deadline) else { break }
            replies.append(reply)
            _ = expected.receive(reply.code)
        }
        backend.ledger.owe(expected.stillOwed)
        if replies.count < 2 {
            ClientReplies.sendNow(code: "426", "Transfer aborted. Data connection closed")
            ClientReplies.reply(code: "226", "Abort successful")
            return
        }
        let ordered = AbortReplies.inClientOrder(replies[0], replies[1], code: \.code)
        ClientReplies.sendNow(ordered.0)
        ClientReplies.reply(ordered.1)
    }
}
