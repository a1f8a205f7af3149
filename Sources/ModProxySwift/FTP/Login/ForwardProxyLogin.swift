import CProFTPD
import CShims
import ProxyCore

/// ProxyForwardMethod proxyuser,user@host (the default) and
/// proxyuser@host,user: the client first logs in to the proxy itself (a
/// local account: mod_auth_file, mod_sql, ... as configured, checked by
/// `ProxyAccount`), then to the destination.
///
///   proxyuser,user@host:  USER proxyuser, PASS proxypass (230 from the
///                         proxy), USER user@host[:port], PASS pass
///   proxyuser@host,user:  USER proxyuser@host[:port], PASS proxypass
///                         (230), USER user, PASS pass
///
/// Between the two logins only USER, PASS and the commands that need no
/// login are answered; others get `530 Access denied`. A refused or
/// unreachable destination gets a 530 and the client may send USER again;
/// a refused password (proxy or destination) counts for MaxLoginAttempts.
struct ForwardProxyLogin: LoginStrategy {
    typealias Result = UnsafeMutablePointer<modret_t>?
    /// proxyuser@host,user: the destination comes with the proxy user.
    let destinationWithProxyUser: Bool

    func user(_ cmd: CommandRecord, session: ProxySession) -> Result {
        if let repeated = BackendLogin.userAfterLogin(cmd, session: session) { return repeated }
        guard let proxyUser = session.proxyUser else { return proxyLoginUser(cmd, session: session) }
        if destinationWithProxyUser {
            guard let pending = session.pendingDestination else { return mps_error(cmd.raw) }
            return ForwardLoginSteps.user(cmd.argumentText, at: pending, cmd, session: session, proxyUser: proxyUser)
        }
        do {
            let parsed = try ForwardDestination(parsingUserArgument: cmd.argumentText)
            return ForwardLoginSteps.user(parsed.name, at: parsed.url, cmd, session: session, proxyUser: proxyUser)
        } catch {
            return ForwardLoginSteps.refuseDestination(cmd, error: error, proxyUser: proxyUser)
        }
    }

    func pass(_ cmd: CommandRecord, session: ProxySession) -> Result {
        if let answered = BackendLoginExchange.passAfterLogin(cmd, session: session) { return answered }
        if session.proxyUser != nil {
            // The destination's PASS (after its USER), relayed.
            return BackendLogin().pass(cmd, session: session)
        }
        guard let user = SessionNotes.get("mod_auth.orig-user") else {
            return BackendLoginExchange.passWithoutUser(cmd)
        }
        if ProxyAccount.check(user: user, password: cmd.argumentText) != nil {
            session.pendingDestination = nil
            return LoginAttempts.refuse(cmd, session)
        }
        session.proxyUser = user
        // mod_auth's and mod_cap's POST_CMD PASS would now give up root
        // (RootRevoke, capabilities), but the destination login still needs
        // it (the chroot, the TransferLog); SessionLifecycle.dropRoot
        // revokes it once the destination has accepted the login.
        mps_defer_root_drop()
        ProxyLog.write("forward: client \(ForwardBackend.clientAddress()): proxy user '\(user)' authenticated by the proxy")
        ClientReplies.reply(code: "230", "User \(user) logged in")
        return mps_handled(cmd.raw)
    }

    /// The proxy login's USER: mod_auth answers it (331, the
    /// mod_auth.orig-user note); for proxyuser@host,user the destination is
    /// taken off first, so mod_auth sees only the proxy user's name.
    private func proxyLoginUser(_ cmd: CommandRecord, session: ProxySession) -> Result {
        guard destinationWithProxyUser else { return nil }
        do {
            let parsed = try ForwardDestination(parsingUserArgument: cmd.argumentText)
            session.pendingDestination = parsed.url
            cmd.replaceArgument(with: parsed.name)
            return nil
        } catch {
            session.pendingDestination = nil
            return ForwardLoginSteps.refuseDestination(cmd, error: error, proxyUser: nil)
        }
    }
}
