import CProFTPD
import CShims
import Glibc
import ProxyCore

/// A ByteTransport over OpenSSL on a non-blocking TCP socket: the backend
/// side of FTPS control and data connections. A read may need the socket
/// writable and a write readable (TLS 1.3 key updates, renegotiation):
/// each step says which, and callers poll for that.
final class TLSTransport: ByteTransport {
    private let socket: TCPSocket
    private var ssl: OpaquePointer?
    /// Data connections: the buffer between the session and the socket
    /// (TLSBulkBuffers); nil on control connections.
    private var bulkBuffer: OpaquePointer?
    /// Data connections: the TCP_NOTSENT_LOWAT in force (nil: none, the
    /// kernel's default of no limit).
    private(set) var unsentLimit: Int32?

    /// Wraps `socket` (taking it over) in a client session. `serverName`
    /// goes into SNI unless it is an IP literal, and is what the
    /// certificate must name when the context verifies; `resuming` is a
    /// session to resume (data connections resume the control's).
    /// `bulkData`: a data connection, with TLSBulkBuffers.
    init(socket: TCPSocket, context: TLSClientContext, serverName: String, resuming: OpaquePointer?,
         bulkData: Bool = false) throws {
        self.socket = socket
        OpenSSLError.clear()
        guard let ssl = SSL_new(context.ctx) else {
            throw TLSFailure(description: "unable to create a TLS session: \(OpenSSLError.drain())")
        }
        self.ssl = ssl
        if bulkData {
            bulkBuffer = TLSBulkBuffers.attach(ssl, fd: socket.fd)
            unsentLimit = SocketIO.setUnsentLowWater(socket.fd, TLSBulkBuffers.unsentLimit)
        }
        guard bulkBuffer != nil || SSL_set_fd(ssl, socket.fd) == 1 else {
            throw TLSFailure(description: "unable to attach TLS to the socket: \(OpenSSLError.drain())")
        }
        if let ip = IPAddress(serverName) {
            if context.settings.verifyServer {
                _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip.description)
            }
        } else {
            _ = mps_ssl_set_sni(ssl, serverName)
            if context.settings.verifyServer { _ = SSL_set1_host(ssl, serverName) }
        }
        if let resuming { _ = SSL_set_session(ssl, resuming) }
    }

    deinit { close() }

    /// Runs the client handshake within `deadline`; a failure says why
    /// (`TLSHandshakeFailure`), for ProxyLog and for the client.
    func handshake(deadline: Deadline) throws {
        guard let ssl else { throw TLSFailure(description: "TLS session already closed") }
        let started = Deadline.now()
        while true {
            OpenSSLError.clear()
            let rc = SSL_connect(ssl)
            if rc == 1 { return }
            let code = SSL_get_error(ssl, rc)
            do {
                switch code {
                case SSL_ERROR_WANT_READ:
                    try wait(for: .readable, until: deadline, what: "TLS handshake")
                case SSL_ERROR_WANT_WRITE:
                    try wait(for: .writable, until: deadline, what: "TLS handshake")
                default:
                    throw TLSHandshakeFailure.explain(ssl: ssl, code: code, rc: rc)
                }
            } catch let error as SystemError where error.code == ETIMEDOUT {
                throw TLSHandshakeFailure.timedOut(seconds: (millisecondsSince(started) + 500) / 1000)
            }
        }
    }

    // MARK: ByteTransport

    var fd: Int32 { socket.fd }
    var isKernelSocket: Bool { false }
    var hasBufferedInput: Bool {
        guard let ssl else { return false }
        return SSL_pending(ssl) > 0 || bulkBuffer.map(TLSBulkBuffers.unreadInput) == true
    }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep {
        guard let ssl else { return .failed(EBADF) }
        return TLSSessionIO.receive(ssl, into: buffer)
    }

    func transmit(_ bytes: UnsafeRawBufferPointer) -> TransportStep {
        guard let ssl else { return .failed(EBADF) }
        return TLSSessionIO.transmit(ssl, bytes)
    }

    var hasPendingOutput: Bool { bulkBuffer.map(TLSBulkBuffers.unsentOutput) ?? false }

    func flushOutput() -> TransportStep {
        bulkBuffer.map(TLSBulkBuffers.flush) ?? .transferred(0)
    }

    /// The end of our data: close_notify, then the peer's close_notify is
    /// awaited (briefly). A TLS connection that ends without the exchange
    /// counts as broken to OpenSSL servers, which then drop the TLS session
    /// from their cache, and the next data connection could not resume it.
    func shutdownWrite() {
        finish(waitingUntil: .after(milliseconds: Self.closeWaitMillis))
        socket.shutdownWrite()
    }

    /// Closes, with our close_notify (one try, no wait: after a download the
    /// peer's has come already; after an abort nobody waits for it).
    func close() {
        if let ssl, !finished, SSL_is_init_finished(ssl) == 1 {
            finished = true
            OpenSSLError.clear()
            _ = SSL_shutdown(ssl)
            _ = flushOutput()
            OpenSSLError.clear()
        }
        if let ssl {
            SSL_free(ssl)
            self.ssl = nil
        }
        socket.close()
    }

    /// No close_notify (which would end the data cleanly), and RST.
    func abortConnection() {
        finished = true
        resetOnClose(socket.fd)
        close()
    }

    static let closeWaitMillis = 2000

    private var finished = false

    /// SSL_shutdown until both close_notify alerts have crossed, the peer
    /// closed, or `deadline`.
    private func finish(waitingUntil deadline: Deadline) {
        guard let ssl, !finished, SSL_is_init_finished(ssl) == 1 else { return }
        finished = true
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            // The data, then our close_notify, out of the write buffer.
            guard flushPending(until: deadline) else { return }
            OpenSSLError.clear()
            let rc = SSL_shutdown(ssl)
            guard flushPending(until: deadline) else { return }
            if rc == 1 { return }
            if rc == 0 {
                // Ours is sent; read until the peer's arrives (data still in
                // flight on a download is dropped: the transfer is over).
                var count = 0
                let read = scratch.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
                if read == 1 { continue }
                let code = SSL_get_error(ssl, 0)
                if code == SSL_ERROR_ZERO_RETURN { continue }
                guard code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE,
                      (try? wait(for: code == SSL_ERROR_WANT_READ ? .readable : .writable,
                                 until: deadline, what: "TLS close")) != nil else { return }
                continue
            }
            let code = SSL_get_error(ssl, rc)
            guard code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE,
                  (try? wait(for: code == SSL_ERROR_WANT_READ ? .readable : .writable,
                             until: deadline, what: "TLS close")) != nil else { return }
        }
    }

    /// Flushes the write buffer, waiting up to `deadline`; false if it could not.
    private func flushPending(until deadline: Deadline) -> Bool {
        while hasPendingOutput {
            switch flushOutput() {
            case .transferred, .endOfStream: continue
            case .failed: return false
            case .wouldBlock(let wanted):
                guard (try? wait(for: wanted, until: deadline, what: "TLS close")) != nil else { return false }
            }
        }
        return true
    }

    // MARK: What the session needs to know

    /// The negotiated session, for data connections to resume (retained:
    /// the caller frees it with SSL_SESSION_free).
    func copySession() -> OpaquePointer? {
        ssl.flatMap { SSL_get1_session($0) }
    }

    var protocolName: String { ssl.flatMap { SSL_get_version($0) }.map { String(cString: $0) } ?? "" }

    var cipherName: String {
        ssl.flatMap { SSL_get_current_cipher($0) }.flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) } ?? ""
    }

    var sessionReused: Bool { ssl.map { SSL_session_reused($0) == 1 } ?? false }
}
