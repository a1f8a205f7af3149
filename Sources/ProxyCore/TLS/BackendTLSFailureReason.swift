/// Why TLS toward a backend failed, in the few words the client is told.
/// ProxyLog keeps the long story (OpenSSL's reasons, what to change); the
/// client gets one line that names the backend and this reason, and never
/// anything from the configuration beyond the backend's host and port.
public enum BackendTLSFailureReason: Equatable, Sendable {
    /// The backend answered AUTH TLS with this code while TLS is required.
    case authTLSRefused(code: Int)
    /// The handshake did not finish within ProxyTLSTimeoutHandshake.
    case timedOut(seconds: Int)
    /// The certificate is valid but for another host name or address.
    case certificateNameMismatch
    /// The certificate chain was not accepted (OpenSSL's verify reason,
    /// e.g. "self-signed certificate", "certificate revoked").
    case certificateRejected(String)
    /// No TLS version both sides allow.
    case protocolMismatch
    /// No cipher suite both sides allow.
    case noSharedCipher
    /// The backend wants a client certificate and ProxyTLSCertificateFile
    /// gives none.
    case clientCertificateRequired
    /// The backend closed the connection in the middle of the handshake.
    case closedByBackend
    /// Anything else OpenSSL refused.
    case handshakeFailed

    /// The reason in a few words.
    public var summary: String {
        switch self {
        case .authTLSRefused(let code):
            return "backend refused AUTH TLS (\(code)) and TLS is required"
        case .timedOut(let seconds):
            return "TLS handshake timed out after \(seconds)s"
        case .certificateNameMismatch:
            return "certificate does not match the backend's name"
        case .certificateRejected(let why):
            return "certificate rejected: \(Self.printable(why, limit: 80))"
        case .protocolMismatch:
            return "no TLS protocol version in common"
        case .noSharedCipher:
            return "no TLS cipher in common"
        case .clientCertificateRequired:
            return "backend requires a client certificate"
        case .closedByBackend:
            return "backend closed the connection during the TLS handshake"
        case .handshakeFailed:
            return "TLS handshake failed"
        }
    }

    /// What the client's 421 reply says after "Service not available: ",
    /// naming the backend by "host:port".
    public func clientText(backend hostPort: String) -> String {
        "TLS to backend \(Self.printable(hostPort, limit: 270)) failed: \(summary)"
    }

    /// Printable ASCII only, at most `limit` characters: nothing a client
    /// reads can break the reply line.
    static func printable(_ text: String, limit: Int) -> String {
        let kept = text.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?" }
        return String(kept.prefix(limit))
    }
}
