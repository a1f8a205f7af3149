import CProFTPD

/// Whether the client protects its control connection (mod_tls: AUTH TLS
/// done, or implicit FTPS), for ProxyTLSEngine MatchClient.
enum ClientTLS {
    static var isActive: Bool { session.rfc2228_mech != nil }
}
