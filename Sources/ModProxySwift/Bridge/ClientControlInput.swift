import CProFTPD
import CShims
import Glibc
import ProxyCore

/// The client's control connection as input to wait on. Between commands
/// the command loop polls its descriptor beside the backend's, unless bytes
/// are already buffered above it (ProFTPD's stream buffer, or plaintext
/// inside mod_tls's OpenSSL session) where poll(2) cannot see them.
///
/// While a transfer runs: pr_cmd_read waits
/// until a whole line has arrived, so a client that sends half a command
/// would freeze the relay. Instead, what can be read without waiting is
/// moved into the control stream's own buffer (the pr_buffer_t of netio.h,
/// which pr_netio_telnet_gets2 reads first), and pr_cmd_read is called only
/// once that buffer holds a whole line (or the connection ended).
enum ClientControlInput {
    enum State: Equatable {
        /// pr_cmd_read returns without waiting: a whole line, EOF or an error.
        case ready
        /// Part of a line; the connection has nothing more for now.
        case partial
        /// Part of a line, and more bytes wait that can't be read yet (a TLS
        /// record still arriving, or a line longer than the buffer): the
        /// caller must stop watching the descriptor for a while.
        case blocked
    }

    /// How much of the socket a TLS check looks at (a record is at most
    /// 18 KiB).
    private static let peekSize = 32 * 1024

    static func pull() -> State {
        guard let strm = session.c?.pointee.instrm,
              let pbuf = strm.pointee.strm_buf ?? pr_netio_buffer_alloc(strm) else { return .ready }
        if hasLine(pbuf) { return .ready }
        let ssl = FrontendTLSInfo.ssl(of: strm)
        if ssl == nil && otherControlNetIO() { return .ready }   // an unknown layer: as before
        let fd = mps_netio_fd(strm)
        while true {
            let used = compact(pbuf)
            let free = Int(pbuf.pointee.buflen) - used
            // A line longer than the buffer: ProFTPD's reader refuses it once
            // the transfer is over.
            guard free > 0, let base = pbuf.pointee.buf else { return .blocked }
            let target = UnsafeMutableRawPointer(base + used)
            let n = ssl.map { readTLS(strm, ssl: $0, fd: fd, into: target, count: free) }
                ?? readPlain(fd: fd, into: target, count: free)
            switch n {
            case .bytes(let count):
                pbuf.pointee.remaining -= count
                if hasLine(pbuf) { return .ready }
            case .endOrError:
                return .ready
            case .nothing:
                return .partial
            case .notYet:
                return .blocked
            }
        }
    }

    static var fd: Int32 {
        guard let strm = session.c?.pointee.instrm else { return -1 }
        return mps_netio_fd(strm)
    }

    /// Bytes wait above the descriptor: unread in the stream's buffer, or
    /// decrypted inside OpenSSL.
    static var hasBufferedInput: Bool {
        guard let strm = session.c?.pointee.instrm else { return false }
        if let pbuf = strm.pointee.strm_buf, unread(pbuf).count > 0 { return true }
        return FrontendTLSInfo.ssl(of: strm).map { SSL_pending($0) > 0 } ?? false
    }

    /// A whole line already waits in the stream's buffer (pipelined commands).
    static func hasBufferedLine() -> Bool {
        guard let pbuf = session.c?.pointee.instrm?.pointee.strm_buf else { return false }
        return hasLine(pbuf)
    }

    // MARK: - the stream buffer

    /// Unread bytes: from `current`, buflen - remaining of them (how
    /// pr_netio_telnet_gets2 keeps it); none when current is NULL.
    private static func unread(_ pbuf: UnsafeMutablePointer<pr_buffer_t>) -> UnsafeRawBufferPointer {
        let b = pbuf.pointee
        guard let current = b.current, b.remaining < Int(b.buflen) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: current, count: Int(b.buflen) - b.remaining)
    }

    private static func hasLine(_ pbuf: UnsafeMutablePointer<pr_buffer_t>) -> Bool {
        CommandLineScan.containsCompleteLine(unread(pbuf))
    }

    /// Moves the unread bytes to the start of the buffer so new ones can
    /// follow them; returns their count.
    private static func compact(_ pbuf: UnsafeMutablePointer<pr_buffer_t>) -> Int {
        let bytes = unread(pbuf)
        guard let base = pbuf.pointee.buf else { return 0 }
        if let start = bytes.baseAddress, start != UnsafeRawPointer(base) {
            memmove(base, start, bytes.count)
        }
        pbuf.pointee.current = base
        pbuf.pointee.remaining = Int(pbuf.pointee.buflen) - bytes.count
        return bytes.count
    }

    // MARK: - reading without waiting

    private enum Read { case bytes(Int), endOrError, nothing, notYet }

    private static func readPlain(fd: Int32, into target: UnsafeMutableRawPointer, count: Int) -> Read {
        while true {
            let n = recv(fd, target, count, Int32(MSG_DONTWAIT))
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOrError }
            if errno == EINTR { pr_signals_handle(); continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .nothing : .endOrError
        }
    }

    /// Reads through mod_tls's NetIO (so it decrypts and keeps its counts),
    /// only when that cannot wait: OpenSSL holds plaintext already, or the
    /// socket holds a whole record. The descriptor is non-blocking for the
    /// call, so an unexpected wait inside OpenSSL ends after mod_tls's own
    /// 15 s select instead of never.
    private static func readTLS(_ strm: UnsafeMutablePointer<pr_netio_stream_t>, ssl: OpaquePointer, fd: Int32,
                                into target: UnsafeMutableRawPointer, count: Int) -> Read {
        if SSL_pending(ssl) <= 0 {
            var peeked = [UInt8](repeating: 0, count: peekSize)
            let n = peeked.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK | MSG_DONTWAIT)) }
            if n == 0 { return .endOrError }
            if n < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .nothing : .endOrError }
            if TLSRecordScan.scan(peeked[0..<n]) == .incomplete { return .notYet }
        }
        guard let netio = pr_get_netio(Int32(PR_NETIO_STRM_CTRL)), let read = netio.pointee.read else { return .endOrError }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        let n = read(strm, target.assumingMemoryBound(to: CChar.self), count)
        let readErrno = errno
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags) }
        if n > 0 { return .bytes(Int(n)) }
        if n == 0 { return .endOrError }
        return readErrno == EINTR || readErrno == EAGAIN ? .notYet : .endOrError
    }

    /// A control NetIO other than mod_tls's: its reads can't be judged here.
    private static func otherControlNetIO() -> Bool {
        guard let netio = pr_get_netio(Int32(PR_NETIO_STRM_CTRL)), let owner = netio.pointee.owner_name else { return false }
        let name = String(cString: owner)
        return name != "tls" && name != "core"
    }
}
