import CProFTPD
import Glibc

/// What a non-blocking transport operation needs before it can go on. A TLS
/// read may need the socket writable (a renegotiation or key update), so the
/// caller polls for what the transport asks, not for what it asked of it.
enum TransportReadiness {
    case readable, writable

    var pollEvents: Int16 { self == .readable ? Int16(POLLIN) : Int16(POLLOUT) }
}

/// The outcome of one non-blocking receive or transmit.
enum TransportStep {
    case transferred(Int)
    case endOfStream
    case wouldBlock(TransportReadiness)
    case failed(Int32)
}

/// A connected byte stream to a backend: the seam under backend control and
/// data connections. Plain TCP now; TLS and SSH transports plug in here, and
/// the control channel, the data relay and the deadlines work the same for
/// all of them.
protocol ByteTransport: AnyObject {
    /// The descriptor to poll (-1 once closed).
    var fd: Int32 { get }
    /// Bytes the transport already holds (e.g. decrypted TLS records): a
    /// receive returns them without the descriptor becoming readable.
    var hasBufferedInput: Bool { get }
    /// A plain kernel socket, whose bytes may move by splice(2).
    var isKernelSocket: Bool { get }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep
    func transmit(_ bytes: UnsafeRawBufferPointer) -> TransportStep
    /// Bytes `transmit` accepted that the transport still holds (TLS records
    /// gathered for one large write): `flushOutput` sends them.
    var hasPendingOutput: Bool { get }
    /// Sends what the transport holds: .wouldBlock while the socket is full.
    func flushOutput() -> TransportStep
    /// Tells the peer no more data follows.
    func shutdownWrite()
    func close()
    /// Closes so that the peer sees a broken connection, not an end of the
    /// data (an aborted upload must not look complete to the backend).
    func abortConnection()
}

/// Transports that send every accepted byte at once hold nothing back.
extension ByteTransport {
    var hasPendingOutput: Bool { false }
    func flushOutput() -> TransportStep { .transferred(0) }
    func abortConnection() { close() }
}

/// An abortive close: the kernel sends RST instead of FIN.
func resetOnClose(_ fd: Int32) {
    guard fd >= 0 else { return }
    var lingerOff = linger(l_onoff: 1, l_linger: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerOff, socklen_t(MemoryLayout<linger>.size))
}

/// Blocking use with deadlines, for control connections and handshakes:
/// every wait is a poll(2) bounded by the deadline; EINTR lets ProFTPD
/// handle its signals (timers, SIGTERM) and the wait goes on.
extension ByteTransport {
    /// Reads what is available (waiting up to `deadline`); 0 means EOF.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws -> Int {
        while true {
            switch receive(into: buffer) {
            case .transferred(let n): return n
            case .endOfStream: return 0
            case .wouldBlock(let wanted): try wait(for: wanted, until: deadline, what: "read")
            case .failed(let code): throw SystemError("read", code)
            }
        }
    }

    /// Writes all bytes within `deadline`.
    func writeAll(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws {
        var offset = 0
        while offset < bytes.count {
            switch transmit(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .transferred(let n): offset += n
            case .endOfStream: throw SystemError("write", EPIPE)
            case .wouldBlock(let wanted): try wait(for: wanted, until: deadline, what: "write")
            case .failed(let code): throw SystemError("write", code)
            }
        }
        while hasPendingOutput {
            switch flushOutput() {
            case .transferred, .endOfStream: continue
            case .wouldBlock(let wanted): try wait(for: wanted, until: deadline, what: "write")
            case .failed(let code): throw SystemError("write", code)
            }
        }
    }

    func writeAll(_ bytes: [UInt8], deadline: Deadline) throws {
        try bytes.withUnsafeBytes { try writeAll($0, deadline: deadline) }
    }

    /// Waits until the descriptor is ready for `readiness` or the deadline passes.
    func wait(for readiness: TransportReadiness, until deadline: Deadline, what: String) throws {
        try pollDescriptor(fd, events: readiness.pollEvents, until: deadline, what: what)
    }

    /// Input is waiting: buffered in the transport, or readable (or closed)
    /// on the descriptor.
    var hasPendingInput: Bool {
        if hasBufferedInput { return true }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }
}

/// poll(2) on one descriptor until it is ready for `events` or `deadline`
/// passes (a SystemError with ETIMEDOUT).
func pollDescriptor(_ fd: Int32, events: Int16, until deadline: Deadline, what: String) throws {
    var pfd = pollfd(fd: fd, events: events, revents: 0)
    while true {
        let rc = poll(&pfd, 1, deadline.pollTimeout)
        if rc > 0 { return }
        if rc == 0 { throw SystemError("\(what) timed out", ETIMEDOUT) }
        if errno == EINTR { pr_signals_handle(); continue }
        throw SystemError(what)
    }
}
