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
            switch ReverseBackend.connect(session, user: user) {
            case .connected:
                break
            case .noBackendForName:
                // As upstream: this name has no backend; the session goes on.
                ClientReplies.reply(code: "530", "Login incorrect.")
                return mps_error(cmd.raw)
            case .sessionEnded:
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
        do {
            let reply = try BackendLoginExchange.sendUser(session, user: user)
            switch reply.code {
            case 230:
                BackendLoginExchange.completeLogin(session, user: user, by: "the backend", groupsKnown: false)
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
        if let answered = BackendLoginExchange.passAfterLogin(cmd, session: session) { return answered }
        guard case .userSent(let user) = session.state, let target = session.backendTarget else {
            return BackendLoginExchange.passWithoutUser(cmd)
        }
        do {
            let reply = try BackendLoginExchange.sendPass(session, user: user, password: cmd.argumentText)
            if reply.code / 100 == 2 {
                BackendLoginExchange.completeLogin(session, user: user, by: "the backend", groupsKnown: session.proxyUser != nil)
                return ClientReplies.reply(reply) ? mps_error(cmd.raw) : mps_handled(cmd.raw)
            }
            session.state = .connected
            ProxyLog.write("login failed: user '\(user)' refused by backend \(target.url): \(reply.code)")
            // The refusal reaches the client first: mod_ban, told by the
            // MaxLoginAttempts event, may end the session at once.
            let isError = ClientReplies.reply(reply)
            if reply.code == 530 { LoginAttempts.failed(session) }
            return isError ? mps_error(cmd.raw) : mps_handled(cmd.raw)
        } catch {
            return CommandRouter.backendLost(cmd, session: session, error: error)
        }
    }
}
