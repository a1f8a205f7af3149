import CProFTPD
import Glibc
import ProxyCore

/// Why a handshake toward a backend failed: the long text for ProxyLog
/// (OpenSSL's reasons, and what to change where there is something to
/// change) and the short reason the client is told.
enum TLSHandshakeFailure {
    /// The failure of SSL_connect on `ssl` (`code` from SSL_get_error).
    static func explain(ssl: OpaquePointer, code: Int32, rc: Int32) -> TLSFailure {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            _ = OpenSSLError.drain()
            return certificateFailure(Int32(verify))
        }
        if code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 {
            let closed = rc == 0
            return TLSFailure(description: closed ? "TLS handshake failed: the backend closed the connection"
                                                  : "TLS handshake failed: \(errnoText(errno))",
                              reason: closed && !ClientCertificateRequest.wasAsked ? .closedByBackend
                                  : reasonWhenUnexplained)
        }
        let (text, reasons) = OpenSSLError.drainWithReasons()
        let reason = classify(reasons)
        var advice = ""
        switch reason {
        case .clientCertificateRequired: advice = " (configure ProxyTLSCertificateFile and ProxyTLSCertificateKeyFile)"
        case .protocolMismatch: advice = " (see ProxyTLSProtocol)"
        case .noSharedCipher: advice = " (see ProxyTLSCipherSuite)"
        default: break
        }
        return TLSFailure(description: "TLS handshake failed: \(text)\(advice)", reason: reason)
    }

    /// The handshake did not finish within ProxyTLSTimeoutHandshake.
    static func timedOut(seconds: Int) -> TLSFailure {
        TLSFailure(description: "TLS handshake timed out after \(seconds)s (see ProxyTLSTimeoutHandshake)",
                   reason: .timedOut(seconds: seconds))
    }

    /// A failure right after a finished handshake (a TLS 1.3 server refuses
    /// a missing client certificate only then): named as such when the
    /// backend had asked for a certificate we do not have.
    static func afterHandshake(_ error: Error) -> Error {
        guard ClientCertificateRequest.wasAsked, (error as? TLSFailure)?.reason == nil else { return error }
        return TLSFailure(description: "the backend asked for a client certificate and none is configured (ProxyTLSCertificateFile, ProxyTLSCertificateKeyFile): \(error)",
                          reason: .clientCertificateRequired)
    }

    private static func certificateFailure(_ verify: Int32) -> TLSFailure {
        let why = String(cString: X509_verify_cert_error_string(Int(verify)))
        switch verify {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return TLSFailure(description: "certificate verification failed: \(why) (name the backend as its certificate does in ProxyReverseServers, or set ProxyTLSVerifyServer off)",
                              reason: .certificateNameMismatch)
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            return TLSFailure(description: "certificate verification failed: \(why) (trust its issuer with ProxyTLSCACertificateFile, or set ProxyTLSVerifyServer off)",
                              reason: .certificateRejected(why))
        default:
            return TLSFailure(description: "certificate verification failed: \(why)", reason: .certificateRejected(why))
        }
    }

    private static var reasonWhenUnexplained: BackendTLSFailureReason {
        ClientCertificateRequest.wasAsked ? .clientCertificateRequired : .handshakeFailed
    }

    private static let protocolReasons: Set<Int32> = [
        SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_NO_PROTOCOLS_AVAILABLE,
        SSL_R_WRONG_SSL_VERSION, SSL_R_VERSION_TOO_LOW, SSL_R_VERSION_TOO_HIGH, SSL_R_WRONG_VERSION_NUMBER,
    ]
    private static let cipherReasons: Set<Int32> = [SSL_R_NO_SHARED_CIPHER, SSL_R_NO_CIPHERS_AVAILABLE]

    private static func classify(_ reasons: [Int32]) -> BackendTLSFailureReason {
        if reasons.contains(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED) { return .clientCertificateRequired }
        if reasons.contains(where: protocolReasons.contains) { return .protocolMismatch }
        if reasons.contains(where: cipherReasons.contains) { return .noSharedCipher }
        if reasons.contains(SSL_R_UNEXPECTED_EOF_WHILE_READING) && !ClientCertificateRequest.wasAsked {
            return .closedByBackend
        }
        return reasonWhenUnexplained
    }
}

/// Whether the backend of the current handshake asked for a client
/// certificate that ProxyTLSCertificateFile does not give: OpenSSL calls
/// the context's client-certificate callback only then. One flag per
/// session process (no threads), reset before each backend handshake.
enum ClientCertificateRequest {
    private(set) static var wasAsked = false

    static func reset() { wasAsked = false }

    /// For SSL_CTX_set_client_cert_cb: notes the request, sends no certificate.
    static let callback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?,
                                         UnsafeMutablePointer<OpaquePointer?>?) -> Int32 = { _, _, _ in
        wasAsked = true
        return 0
    }
}
