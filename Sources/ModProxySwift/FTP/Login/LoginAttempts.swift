import CProFTPD
import CShims

/// MaxLoginAttempts for logins the backend refuses, as mod_auth counts
/// them (the proxy answers PASS, so mod_auth never sees one): the Nth
/// refusal raises "mod_auth.max-login-attempts" (mod_ban's BanOnEvent
/// MaxLoginAttempts listens to it) and ends the session once the command's
/// handlers have run, as mod_auth's LOG_CMD_ERR handler does.
enum LoginAttempts {
    /// MaxLoginAttempts of the server (mod_auth's default 3; 0: no limit).
    static var limit: UInt32 {
        guard let ptr = get_param_ptr(main_server?.pointee.conf, "MaxLoginAttempts", FALSE) else { return 3 }
        return ptr.assumingMemoryBound(to: UInt32.self).pointee
    }

    static func failed(_ proxySession: ProxySession) {
        proxySession.failedLogins += 1
        let max = limit
        guard max > 0, proxySession.failedLogins >= Int(max) else { return }
        mps_log_pri(PR_LOG_NOTICE, "Maximum login attempts (\(max)) exceeded, connection refused")
        ProxyLog.write("login: maximum login attempts (\(max)) exceeded, connection refused")
        pr_event_generate("mod_auth.max-login-attempts", session.c)
        proxySession.disconnectAfterCommand = "Denied by MaxLoginAttempts"
    }

    /// A PASS the proxy itself refused: mod_auth's answer, counted.
    static func refuse(_ cmd: CommandRecord, _ proxySession: ProxySession) -> UnsafeMutablePointer<modret_t>? {
        ClientReplies.reply(code: "530", "Login incorrect.")
        failed(proxySession)
        return mps_error(cmd.raw)
    }

    /// USER's name where mod_auth keeps it: mod_ban's user bans
    /// (BanOnEvent MaxLoginAttemptsFromUser, PRE_CMD PASS) read it.
    static func rememberUser(_ user: String) {
        SessionNotes.set("mod_auth.orig-user", user)
    }
}
