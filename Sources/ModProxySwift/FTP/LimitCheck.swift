import Glibc
import CProFTPD
import CShims
import ProxyCore

/// The proxy's `<Limit>` sections for a proxied command, checked as
/// ProFTPD's dir_check() checks them (the command, its group, ALL), so an
/// administrator's rules keep working when a server becomes a proxy. A
/// denied command is answered here and never reaches the backend.
///
/// Users: DenyUser/AllowUser match the name given in USER (session.user).
/// Groups: when the backend authenticates, the proxy knows none; the session
/// gets an empty group list at login, so AllowGroup/DenyGroup never match
/// (fail closed: ProFTPD treats an unknown group list as "allowed"). With
/// UseReverseProxyAuth they are the groups the proxy authenticated
/// (`ProxyAccount`).
enum LimitCheck {
    /// nil when allowed; otherwise the error result (the reply is sent).
    static func deny(_ cmd: CommandRecord) -> UnsafeMutablePointer<modret_t>? {
        let argument = cmd.argumentText
        let rule = CommandLimitRule(command: cmd.name, argument: argument)
        var res: Int32 = 1
        errno = 0
        for name in rule.names where res == 1 {
            res = name.withCString { dir_check_limits(cmd.raw, nil, $0, FALSE) }
        }
        guard res == 0 else { return nil }
        let err = errno == 0 ? EACCES : errno
        let reply = CommandLimitRule.denialReply(command: cmd.name, argument: argument, errno: err)
        ProxyLog.trace(8, "\(cmd.name) denied by <Limit> configuration")
        ClientReplies.reply(code: reply.code, reply.text)
        return mps_error(cmd.raw)
    }

    /// At login: the groups the proxy knows for the user (none).
    static func setUnknownGroups() {
        session.groups = make_array(session.pool, 0, MemoryLayout<UnsafeMutablePointer<CChar>>.size)
    }
}
