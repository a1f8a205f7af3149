import CProFTPD
import CShims
import Glibc

/// mod_tls's session of a frontend data connection (PROT P), used by the
/// relay directly rather than through NetIO: pr_netio_read and
/// pr_netio_write select(2) before every call and mod_tls reads each 16 KiB
/// record with two read(2)s, which with TLS on both sides left the proxy
/// no faster than the C module. Here the socket is read and written
/// through 256 KiB buffers (TLSBulkBuffers), with SSL_read_ex/SSL_write_ex
/// on the socket made non-blocking while the relay runs, so the relay
/// treats it as it treats a backend's TLS.
///
/// mod_tls keeps the connection: its handshake before, its close_notify
/// and SSL_free after (the socket is blocking again by then). What is
/// bypassed: NetIO's core.data-read/-write events (the splice path of plain
/// transfers bypasses them too) and mod_tls's raw byte counts (%I/%O).
/// (mod_tls's `TLSRenegotiate data` limit counts session.xfer.total_bytes,
/// which a proxied transfer sets at its end only: it never fired on the
/// NetIO path either.)
final class FrontendTLSTransport: ByteTransport {
    let fd: Int32
    private let ssl: OpaquePointer
    private let readBuffer: OpaquePointer?
    private let writeBuffer: OpaquePointer?
    /// What `enterRelay` changed, restored by `leaveRelay`.
    private var savedFileFlags: Int32 = -1
    private var savedModes: UInt = 0

    /// nil when the connection carries no TLS.
    init?(_ conn: UnsafeMutablePointer<conn_t>) {
        guard let instrm = conn.pointee.instrm, let ssl = FrontendTLSInfo.ssl(of: instrm) else { return nil }
        self.ssl = ssl
        fd = mps_netio_fd(instrm)
        readBuffer = TLSBulkBuffers.gatherReads(of: ssl)
        writeBuffer = TLSBulkBuffers.gatherWrites(of: ssl)
    }

    /// The relay runs: a non-blocking socket; SSL_write may return after
    /// part of a large buffer, and retry from elsewhere in it; OpenSSL keeps
    /// its record buffer (mod_tls's SSL_MODE_RELEASE_BUFFERS frees and
    /// allocates it for every record).
    func enterRelay() {
        savedFileFlags = fcntl(fd, F_GETFL)
        if savedFileFlags >= 0 { _ = fcntl(fd, F_SETFL, savedFileFlags | O_NONBLOCK) }
        savedModes = UInt(SSL_ctrl(ssl, SSL_CTRL_MODE, 0, nil))
        _ = SSL_ctrl(ssl, SSL_CTRL_CLEAR_MODE, Int(SSL_MODE_RELEASE_BUFFERS), nil)
        _ = SSL_ctrl(ssl, SSL_CTRL_MODE, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), nil)
    }

    /// The relay returned: mod_tls finds its socket and session as it left them.
    func leaveRelay() {
        if savedFileFlags >= 0 { _ = fcntl(fd, F_SETFL, savedFileFlags) }
        savedFileFlags = -1
        _ = SSL_ctrl(ssl, SSL_CTRL_CLEAR_MODE, Int(bitPattern: ~savedModes), nil)
        _ = SSL_ctrl(ssl, SSL_CTRL_MODE, Int(bitPattern: savedModes), nil)
    }

    var isKernelSocket: Bool { false }

    var hasBufferedInput: Bool {
        SSL_pending(ssl) > 0 || readBuffer.map(TLSBulkBuffers.unreadInput) == true
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep {
        TLSSessionIO.receive(ssl, into: buffer, trouble: Self.log)
    }

    func transmit(_ bytes: UnsafeRawBufferPointer) -> TransportStep {
        TLSSessionIO.transmit(ssl, bytes, trouble: Self.log)
    }

    var hasPendingOutput: Bool { writeBuffer.map(TLSBulkBuffers.unsentOutput) ?? false }

    func flushOutput() -> TransportStep {
        writeBuffer.map(TLSBulkBuffers.flush) ?? .transferred(0)
    }

    /// e.g. a client that ends an upload without close_notify (it may have
    /// been cut short): the transfer fails (mod_tls would end the session).
    private static func log(_ trouble: String) {
        ProxyLog.write("client TLS data connection \(trouble)")
    }

    /// ProFTPD closes the frontend connection (mod_tls sends close_notify).
    func shutdownWrite() {}
    func close() {}
}
