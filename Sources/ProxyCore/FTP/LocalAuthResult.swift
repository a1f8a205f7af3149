/// What ProFTPD's auth API (pr_auth_authenticate: mod_auth_file, mod_sql,
/// ... as AuthOrder says) answered for a login the proxy checks itself
/// (ProxyOptions UseReverseProxyAuth).
public enum LocalAuthResult: Equatable, Sendable {
    case accepted
    /// Refused, with the reason mod_auth would log ("No such user found").
    case refused(reason: String)

    /// From a PR_AUTH_* code. The OK variants (password checked, no password
    /// needed, RFC 2228 mechanism) are accepted as mod_auth accepts them;
    /// every other value, known or not, refuses.
    public init(code: Int) {
        switch code {
        case 0, 2, 3: self = .accepted
        case -2: self = .refused(reason: "No such user found")
        case -3: self = .refused(reason: "Incorrect password")
        case -4: self = .refused(reason: "Password expired")
        case -5: self = .refused(reason: "Account disabled")
        case -6: self = .refused(reason: "Insufficient credentials")
        case -7: self = .refused(reason: "Credentials unavailable")
        case -8: self = .refused(reason: "Failure setting credentials")
        case -9: self = .refused(reason: "Authentication information unavailable")
        case -10: self = .refused(reason: "Maximum attempts exceeded")
        case -11: self = .refused(reason: "Authentication initialization error")
        case -12: self = .refused(reason: "New authentication token required")
        default: self = .refused(reason: "Authentication failed (code \(code))")
        }
    }
}
