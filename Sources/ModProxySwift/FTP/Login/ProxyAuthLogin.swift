import Glibc
import CProFTPD
import CShims
import ProxyCore

/// ProxyOptions UseReverseProxyAuth: the proxy authenticates the user
/// itself before it chooses a backend, then logs in to that backend with
/// the same USER/PASS (or the backend URL's credentials).
///
/// USER goes to mod_auth (its "331 Password required for ..." and the
/// mod_auth.orig-user note); PASS is checked here through ProFTPD's auth
/// API (`ProxyAccount`), so mod_auth's PRE/POST/LOG handlers still run
/// around it (AllowEmptyPasswords, "503 Login with USER first" after a
/// failed PASS, the auth log, MaxClientsPerUser). Only then is the backend
/// chosen (PerGroup by the user's primary group) and connected; the
/// client sees the backend's reply to PASS. A backend that refuses the
/// login ends the login, not the session: the proxy forgets the user,
/// closes that backend and counts a failed attempt.
struct ProxyAuthLogin: LoginStrategy {
    typealias Result = UnsafeMutablePointer<modret_t>?

    func user(_ cmd: CommandRecord, session: ProxySession) -> Result {
        if let repeated = BackendLogin.userAfterLogin(cmd, session: session) { return repeated }
        return nil   // before the login, mod_auth answers
    }

    func pass(_ cmd: CommandRecord, session: ProxySession) -> Result {
        if let answered = BackendLoginExchange.passAfterLogin(cmd, session: session) { return answered }
        guard let user = SessionNotes.get("mod_auth.orig-user") else {
            return BackendLoginExchange.passWithoutUser(cmd)
        }
        let password = cmd.argumentText
        if ProxyAccount.check(user: user, password: password) != nil {
            return LoginAttempts.refuse(cmd, session)
        }
        switch ReverseBackend.connect(session, user: user, group: ProxyAccount.primaryGroup) {
        case .connected:
            break
        case .noBackendForName:
            ProxyAccount.forget()
            return LoginAttempts.refuse(cmd, session)
        case .sessionEnded:
            return mps_error(cmd.raw)
        }
        do {
            var reply = try BackendLoginExchange.sendUser(session, user: user)
            if reply.code == 331 || reply.code == 332 {
                reply = try BackendLoginExchange.sendPass(session, user: user, password: password)
            }
            if reply.code / 100 == 2 {
                BackendLoginExchange.completeLogin(session, user: user, by: "the proxy", groupsKnown: true)
                ClientReplies.reply(reply)
                return mps_handled(cmd.raw)
            }
            ProxyLog.write("login failed: user '\(user)' authenticated by the proxy, refused by backend "
                           + "\(session.backendTarget.map { "\($0.url)" } ?? "?"): \(reply.code)")
            ProxyAccount.forget()
            session.closeBackend()
            session.state = .awaitingBackend
            // The refusal first: mod_ban, told by the MaxLoginAttempts
            // event, may end the session at once.
            ClientReplies.reply(reply)
            LoginAttempts.failed(session)
            return mps_error(cmd.raw)
        } catch {
            return CommandRouter.backendLost(cmd, session: session, error: error)
        }
    }
}
