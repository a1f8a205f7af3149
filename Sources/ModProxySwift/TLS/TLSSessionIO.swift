import CProFTPD
import Glibc

/// One non-blocking SSL_read_ex or SSL_write_ex as a TransportStep, for the
/// backend's sessions (TLSTransport) and the client's data session
/// (FrontendTLSTransport) alike.
enum TLSSessionIO {
    /// `trouble` hears OpenSSL's reasons when the step fails or the socket
    /// ends without close_notify (for a log line); the error queue is
    /// emptied either way.
    static func receive(_ ssl: OpaquePointer, into buffer: UnsafeMutableRawBufferPointer,
                        trouble: (String) -> Void = { _ in }) -> TransportStep {
        var count = 0
        OpenSSLError.clear()
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return .transferred(count) }
        return step(after: SSL_get_error(ssl, 0), trouble: trouble)
    }

    static func transmit(_ ssl: OpaquePointer, _ bytes: UnsafeRawBufferPointer,
                         trouble: (String) -> Void = { _ in }) -> TransportStep {
        var count = 0
        OpenSSLError.clear()
        if SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count) == 1 { return .transferred(count) }
        return step(after: SSL_get_error(ssl, 0), trouble: trouble)
    }

    private static func step(after code: Int32, trouble: (String) -> Void) -> TransportStep {
        switch code {
        case SSL_ERROR_WANT_READ: return .wouldBlock(.readable)
        case SSL_ERROR_WANT_WRITE: return .wouldBlock(.writable)
        case SSL_ERROR_ZERO_RETURN: return .endOfStream
        case SSL_ERROR_SYSCALL:
            // EOF without close_notify: most FTP servers end data this way.
            let err = errno
            trouble("\(err == 0 ? "closed without close_notify" : String(cString: strerror(err))) (\(OpenSSLError.drain()))")
            return err == 0 ? .endOfStream : .failed(err)
        default:
            trouble("failed: \(OpenSSLError.drain())")
            return .failed(EPROTO)
        }
    }
}
