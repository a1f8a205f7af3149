import CProFTPD
import ProxyCore

/// How a proxied FTP session logs in: one type per method, chosen at session
/// start. A strategy answers USER and PASS itself, or returns nil (DECLINED)
/// where ProFTPD's own auth modules (mod_auth with mod_auth_file, mod_sql,
/// ...) must authenticate the user at the proxy first.
///
/// Today: `BackendLogin` (the backend authenticates) and `ProxyAuthLogin`
/// (ProxyOptions UseReverseProxyAuth: mod_auth answers USER, the proxy
/// checks PASS through ProFTPD's auth API, then logs in to the backend).
/// Where the others plug in: each ProxyForwardMethod (proxy user and
/// destination in USER, in PASS, or from SNI).
protocol LoginStrategy {
    func user(_ cmd: CommandRecord, session: ProxySession) -> UnsafeMutablePointer<modret_t>?
    func pass(_ cmd: CommandRecord, session: ProxySession) -> UnsafeMutablePointer<modret_t>?
}

enum LoginStrategies {
    /// The strategy for a reverse-proxy session's options.
    static func reverse(_ options: SessionOptions) -> LoginStrategy {
        options.useReverseProxyAuth ? ProxyAuthLogin() : BackendLogin()
    }
}
