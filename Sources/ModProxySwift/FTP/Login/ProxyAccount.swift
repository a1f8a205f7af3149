import Glibc
import CProFTPD
import CShims
import ProxyCore

/// The proxy's own check of a login (ProxyOptions UseReverseProxyAuth),
/// through ProFTPD's auth API, so the auth modules configured at the proxy
/// answer (AuthOrder: mod_auth_file, mod_sql, ...), followed by the account
/// checks mod_auth makes after the password: RootLogin, RequireValidShell,
/// UseFtpUsers, `<Limit LOGIN>`. An accepted login leaves the session's
/// user, primary group and groups set, so `<Limit>` (AllowGroup/DenyGroup),
/// TransferRate and LogFormat (%u, %g) see them, and PerGroup/%g know the
/// group. No uid switch, chroot or home directory: the proxy stays in
/// ProxyTables/empty, as upstream.
enum ProxyAccount {
    /// nil when `user` may log in (the session's user and groups are set);
    /// otherwise the reason, already logged (ProxyLog and the auth log).
    static func check(user: String, password: String) -> String? {
        let pool = make_sub_pool(session.pool)
        defer { destroy_pool(pool) }
        let result = LocalAuthResult(code: Int(pr_auth_authenticate(pool, user, password)))
        if case .refused(let reason) = result {
            return refused(user, reason)
        }
        guard let pw = pr_auth_getpwnam(pool, user) else {
            return refused(user, "No account information")
        }
        let conf = main_server?.pointee.conf
        if pw.pointee.pw_uid == 0 {
            pr_event_generate("mod_auth.root-login", nil)
            let allowed = get_param_ptr(conf, "RootLogin", FALSE)?.assumingMemoryBound(to: UInt8.self).pointee == 1
            guard allowed else {
                mps_log_auth(PR_LOG_NOTICE, "SECURITY VIOLATION: Root login attempted")
                return refused(user, "Root login attempted, denied by RootLogin")
            }
        }
        let shell = pw.pointee.pw_shell.map { String(cString: $0) } ?? ""
        if pr_auth_is_valid_shell(conf, pw.pointee.pw_shell) == FALSE {
            return refused(user, "Invalid shell: '\(shell)'")
        }
        if pr_auth_banned_by_ftpusers(conf, pw.pointee.pw_name) == TRUE {
            return refused(user, "User in \(PR_FTPUSERS_PATH)")
        }
        session.user = UnsafePointer(pstrdup(session.pool, pw.pointee.pw_name))
        session.group = pr_auth_gid2name(pool, pw.pointee.pw_gid).map { UnsafePointer(pstrdup(session.pool, $0)) }
        session.login_uid = pw.pointee.pw_uid
        session.login_gid = pw.pointee.pw_gid
        // Locals: two inout accesses to the `session` global at once would
        // break Swift's exclusivity rule.
        var gids: UnsafeMutablePointer<array_header>?
        var groups: UnsafeMutablePointer<array_header>?
        if pr_auth_getgroups(session.pool, user, &gids, &groups) < 1 || groups == nil {
            // No group list: an empty one, so group rules fail closed
            // (ProFTPD treats a missing list as "allowed").
            groups = make_array(session.pool, 0, MemoryLayout<UnsafeMutablePointer<CChar>>.size)
        }
        session.gids = gids
        session.groups = groups
        var found: Int32 = 0
        if login_check_limits(conf, FALSE, TRUE, &found) == 0 {
            forget()
            return refused(user, "Limit configuration denies login")
        }
        return nil
    }

    /// The authenticated user's primary group name.
    static var primaryGroup: String? { session.group.map { String(cString: $0) } }

    /// Undoes `check` when the login fails later (the backend refused it).
    static func forget() {
        session.user = nil
        session.group = nil
        session.groups = nil
        session.gids = nil
    }

    private static func refused(_ user: String, _ reason: String) -> String {
        ProxyLog.write("login: user '\(ConfigText.printable(user))' refused by the proxy: \(reason)")
        mps_log_auth(PR_LOG_NOTICE, "USER \(user) (Login failed): \(reason)")
        return reason
    }
}
