import Glibc
import CProFTPD
import CShims
import ProxyCore

/// USER and PASS relayed to the backend (with the backend URL's own
/// credentials when it has some): the backend authenticates the user.
struct BackendLogin: LoginStrategy {
    typealias Result = UnsafeMutablePointer<modret_t>?

    func user(_ cmd: CommandRecord, session: ProxySession) -> Result {
        let user = cmd.argumentText
        if let repeated = Self.userAfterLogin(cmd, session: session) { return repeated }
        LoginAttempts.rememberUser(user)
        if session.backend == nil {
            // Sticky policies choose the backend once the user is known.
            guard ReverseBackend.connect(session, user: user) else {
                return mps_error(cmd.raw)
            }
        }
        return relayUser(cmd, session: session, user: user)
    }

    /// USER once logged in, answered as mod_auth does: the same name again
    /// is accepted, another is refused; the backend never sees a second
    /// login. nil before login.
    static func userAfterLogin(_ cmd: CommandRecord, session: ProxySession) -> Result? {
        guard case .loggedIn(let current) = session.state else { return nil }
        if cmd.argumentText == current {
            ClientReplies.reply(code: "230", "User \(current) logged in")
            return .some(mps_handled(cmd.raw))
        }
        ClientReplies.reply(code: "501", "Reauthentication not supported")
        return .some(mps_error(cmd.raw))
    }

    /// USER `user` (or the backend URL's user name) to the connected
    /// backend; its reply goes to the client.
    func relayUser(_ cmd: CommandRecord, session: ProxySession, user: String) -> Result {
        guard let backend = session.backend, let target = session.backendTarget else { return mps_error(cmd.raw) }
        let sentUser = target.connectedURL.username ?? user
        do {
            var reply = try backend.exchange("USER \(sentUser)", deadline: session.replyDeadline)
            if let uriUser = target.connectedURL.username { reply = reply.replacingText(uriUser, with: user) }
            switch reply.code {
            case 230:
                loggedIn(session, user: user)
            case 331, 332:
                session.state = .userSent(user)
            default:
                session.state = .connected
            }
            return ClientReplies.reply(reply) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
        } catch {
            return CommandRouter.backendLost(cmd, session: session, error: error)
        }
    }

    func pass(_ cmd: CommandRecord, session: ProxySession) -> Result {
        if session.isLoggedIn {
            ClientReplies.reply(code: "503", "You are already logged in")
            return mps_error(cmd.raw)
        }
        guard case .userSent(let user) = session.state, let backend = session.backend,
              let target = session.backendTarget else {
            ClientReplies.reply(code: "503", "Login with USER first")
            return mps_error(cmd.raw)
        }
        let password = target.connectedURL.password ?? cmd.argumentText
        do {
            // Never log this line.
            var reply = try backend.exchange("PASS \(password)", deadline: session.replyDeadline)
            if let uriUser = target.connectedURL.username { reply = reply.replacingText(uriUser, with: user) }
            if reply.code / 100 == 2 {
                loggedIn(session, user: user)
            } else {
                session.state = .connected
                ProxyLog.write("login failed: user '\(user)' refused by backend \(target.url): \(reply.code)")
                if reply.code == 530 { LoginAttempts.failed(session) }
            }
            return ClientReplies.reply(reply) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
        } catch {
            return CommandRouter.backendLost(cmd, session: session, error: error)
        }
    }

    private func loggedIn(_ session: ProxySession, user: String) {
        session.state = .loggedIn(user)
        ProxyLog.write("login: user '\(user)' authenticated by backend \(session.backendTarget.map { "\($0.url)" } ?? "?")")
        _ = pr_timer_remove(PR_TIMER_LOGIN, ANY_MODULE)
        session_user_set(user)
        LimitCheck.setUnknownGroups()
        ReverseBackend.rememberStickyBackend(session)
        TransferLogFile.open()
        SessionLifecycle.chroot(session)
    }
}

/// session.user, for loggers (%u) and the scoreboard.
private func session_user_set(_ user: String) {
    session.user = UnsafePointer(pstrdup(session.pool, user))
}
