import CProFTPD
import CShims
import ProxyCore

/// What to do with each client command in a proxied session (the CMD-phase
/// handler for every command, C_ANY). Commands handled locally are DECLINED
/// so ProFTPD's own modules answer them (AUTH/PBSZ/PROT for mod_tls, HOST).
enum CommandRouter {
    typealias Result = UnsafeMutablePointer<modret_t>?

    static func route(_ cmd: CommandRecord, session: ProxySession) -> Result {
        let name = cmd.name.uppercased()
        switch name {
        case "USER":
            return session.login.user(cmd, session: session)
        case "PASS":
            return session.login.pass(cmd, session: session)
        case "PASV", "EPSV", "PORT", "EPRT":
            let direct = session.options.directDataTransfers
            return requireLogin(cmd, session) ?? LimitCheck.deny(cmd)
                ?? (direct ? DirectDataNegotiation.handle(cmd, name: name, session: session)
                           : DataNegotiation.handle(cmd, name: name, session: session))
        case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD":
            let direct = session.options.directDataTransfers
            return requireLogin(cmd, session) ?? LimitCheck.deny(cmd)
                ?? (direct ? DirectTransfer.handle(cmd, name: name, session: session)
                           : TransferHandler.handle(cmd, name: name, session: session))
        case "FEAT":
            if session.options.translatesDirectoryLists {
                return ListingFeatures.feat(cmd, session: session)
            }
            if session.options.showFeatures, session.backend != nil {
                return LimitCheck.deny(cmd) ?? relay(cmd, session: session)
            }
            return nil   // ProFTPD answers with the proxy's own features
        case "AUTH", "PBSZ", "ADAT", "CCC", "CONF", "ENC", "MIC", "PROT", "HOST":
            return nil   // frontend TLS belongs to mod_tls; HOST to the core
        case "OPTS" where session.options.translatesDirectoryLists && ListingFeatures.isOptsMLST(cmd):
            return ListingFeatures.optsMLST(cmd, session: session)
        case "TYPE":
            guard session.backend != nil else { return nil }
            return requireLogin(cmd, session) ?? relay(cmd, session: session) { reply in
                if reply.isPositiveCompletion, let ascii = TransferLogNames.isASCII(typeArgument: cmd.argumentText) {
                    session.asciiType = ascii
                }
            }
        case "CWD", "XCWD", "CDUP", "XCUP":
            guard session.backend != nil else { return nil }
            session.backendDirectory = nil
            return requireLogin(cmd, session) ?? LimitCheck.deny(cmd) ?? relay(cmd, session: session)
        case "QUIT":
            session.quitRequested = true
            guard session.backend != nil else { return nil }
            return relay(cmd, session: session)
        default:
            guard session.backend != nil else { return nil }
            return requireLogin(cmd, session) ?? LimitCheck.deny(cmd) ?? relay(cmd, session: session)
        }
    }

    /// 530 unless the backend accepted the login.
    static func requireLogin(_ cmd: CommandRecord, _ session: ProxySession) -> Result? {
        if session.isLoggedIn { return nil }
        ClientReplies.reply(code: "530", "Please login with USER and PASS")
        return .some(mps_error(cmd.raw))
    }

    /// Sends the command to the backend and its reply to the client.
    static func relay(_ cmd: CommandRecord, session: ProxySession, line: String? = nil,
                      onReply: (FTPReply) -> Void = { _ in }) -> Result {
        guard let backend = session.backend else {
            ClientReplies.reply(code: "421", "Service not available: no backend connection")
            return mps_error(cmd.raw)
        }
        do {
            let reply = try backend.exchange(line ?? cmd.wireLine, deadline: session.replyDeadline)
            onReply(reply)
            return ClientReplies.reply(reply) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
        } catch {
            return backendLost(cmd, session: session, error: error)
        }
    }

    /// The backend control connection failed, or the backend broke the
    /// protocol (then it is abandoned: its stream can't be trusted): tell the
    /// client why, end the session.
    static func backendLost(_ cmd: CommandRecord, session: ProxySession, error: Error) -> Result {
        if error is FTPReplyError {
            ProxyLog.write("abandoning the backend connection: unusable reply to \(cmd.name): \(error)")
        } else {
            ProxyLog.write("backend control connection lost during \(cmd.name): \(error)")
        }
        ClientReplies.sendNow(code: "421", clientText(for: error))
        session.closeBackend()
        pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_BY_APPLICATION),
                              "Backend control connection lost")
        return mps_error(cmd.raw)
    }

    /// The 421 text for a lost backend: what went wrong, never the backend's
    /// own text (it may be hostile).
    static func clientText(for error: Error) -> String {
        switch error as? FTPReplyError {
        case .replyTooLarge(let limit)?:
            return "Service not available: the backend server's reply exceeded \(limit) bytes, closing control connection"
        case .tooManyLines(let limit)?:
            return "Service not available: the backend server's reply exceeded \(limit) lines, closing control connection"
        case .lineTooLong(let limit)?:
            return "Service not available: the backend server sent a reply line longer than \(limit) bytes, closing control connection"
        case .invalidReplyLine?, .invalidCode?:
            return "Service not available: the backend server sent an invalid reply, closing control connection"
        case nil:
            return "Service not available, closing control connection"
        }
    }
}
