import CProFTPD
import ProxyCore

/// How a proxied FTP session logs in: one type per method, chosen at session
/// start. A strategy answers USER and PASS itself, or returns nil (DECLINED)
/// where ProFTPD's own auth modules (mod_auth with mod_auth_file, mod_sql,
/// ...) must authenticate the user at the proxy first.
///
/// Today: `BackendLogin` (the backend authenticates), `ProxyAuthLogin`
/// (ProxyOptions UseReverseProxyAuth: mod_auth answers USER, the proxy
/// checks PASS through ProFTPD's auth API, then logs in to the backend) and
/// `ForwardUserLogin` (user@host, user@sni) and `ForwardProxyLogin`
/// (proxyuser,user@host and proxyuser@host,user: a local login first).
protocol LoginStrategy {
    func user(_ cmd: CommandRecord, session: ProxySession) -> UnsafeMutablePointer<modret_t>?
    func pass(_ cmd: CommandRecord, session: ProxySession) -> UnsafeMutablePointer<modret_t>?
}

enum LoginStrategies {
    /// The strategy for a reverse-proxy session's options.
    static func reverse(_ options: SessionOptions) -> LoginStrategy {
        options.useReverseProxyAuth ? ProxyAuthLogin() : BackendLogin()
    }

    /// The strategy for a forward-proxy session's ProxyForwardMethod.
    static func forward(_ options: SessionOptions) -> LoginStrategy {
        switch options.forwardMethod {
        case .userAtHost: return ForwardUserLogin(destinationFromSNI: false)
        case .userAtSNI: return ForwardUserLogin(destinationFromSNI: true)
        case .proxyUserThenUserAtHost: return ForwardProxyLogin(destinationWithProxyUser: false)
        case .proxyUserAtHostThenUser: return ForwardProxyLogin(destinationWithProxyUser: true)
        }
    }
}
