import Glibc
import CProFTPD
import CShims
import ProxyCore

/// The login steps every reverse strategy shares: USER and PASS toward the
/// backend (the backend URL's own credentials replace the client's; the
/// client's user name replaces the URL's in the replies), and what a
/// completed login sets up.
enum BackendLoginExchange {
    typealias Result = UnsafeMutablePointer<modret_t>?

    /// PASS once logged in: mod_auth's answer.
    static func passAfterLogin(_ cmd: CommandRecord, session: ProxySession) -> Result? {
        guard session.isLoggedIn else { return nil }
        ClientReplies.reply(code: "503", "You are already logged in")
        return .some(mps_error(cmd.raw))
    }

    /// PASS with no USER to go with it: mod_auth's answer.
    static func passWithoutUser(_ cmd: CommandRecord) -> Result {
        ClientReplies.reply(code: "503", "Login with USER first")
        return mps_error(cmd.raw)
    }

    static func sendUser(_ session: ProxySession, user: String) throws -> FTPReply {
        guard let backend = session.backend, let target = session.backendTarget else { throw BackendClosed() }
        let reply = try backend.exchange("USER \(target.connectedURL.username ?? user)", deadline: session.replyDeadline)
        return target.connectedURL.username.map { reply.replacingText($0, with: user) } ?? reply
    }

    static func sendPass(_ session: ProxySession, user: String, password: String) throws -> FTPReply {
        guard let backend = session.backend, let target = session.backendTarget else { throw BackendClosed() }
        // Never log this line.
        let reply = try backend.exchange("PASS \(target.connectedURL.password ?? password)", deadline: session.replyDeadline)
        return target.connectedURL.username.map { reply.replacingText($0, with: user) } ?? reply
    }

    /// The backend accepted the login: the session is logged in. `by` says
    /// who authenticated the user, for the log. Without proxy auth the
    /// proxy knows none of the user's groups (they are the backend's).
    static func completeLogin(_ session: ProxySession, user: String, by: String, groupsKnown: Bool) {
        session.state = .loggedIn(user)
        ProxyLog.write("login: user '\(user)' authenticated by \(by), backend \(session.backendTarget.map { "\($0.url)" } ?? "?")")
        _ = pr_timer_remove(PR_TIMER_LOGIN, ANY_MODULE)
        if !groupsKnown {
            // session.user, for loggers (%u) and the scoreboard.
            session_user_set(user)
            LimitCheck.setUnknownGroups()
        }
        ReverseBackend.rememberStickyBackend(session)
        TransferLogFile.open()
        SessionLifecycle.chroot(session)
    }
}

private func session_user_set(_ user: String) {
    session.user = UnsafePointer(pstrdup(session.pool, user))
}
