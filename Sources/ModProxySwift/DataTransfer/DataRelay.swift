import CProFTPD
import CShims
import Glibc

/// Moves the bytes of one data transfer from `source` to `destination`.
///
/// Speed is the point: between two plain sockets it uses splice(2) through a
/// pipe (no copy through user space); otherwise one large buffer. There are
/// no per-chunk timers: one poll(2) only when a side would block, which also
/// watches the client's control connection for ABOR.
struct DataRelay {
    enum Outcome: Equatable {
        case completed(bytes: Int64)
        /// The client sent a command on the control connection mid-transfer.
        case controlInput(bytes: Int64)
        case sourceFailed(bytes: Int64, errno: Int32)
        case destinationFailed(bytes: Int64, errno: Int32)
        case stalled(bytes: Int64)
    }

    static let bufferSize = 512 * 1024
    static let pipeSize: Int32 = 1 << 20

    let source: RelayEndpoint
    let destination: RelayEndpoint
    /// File descriptor of the frontend control connection (-1: don't watch).
    let controlFD: Int32
    /// Poll timeout when nothing moves (TimeoutStalled); <= 0: none.
    let stallSeconds: Int
    /// Called about once a second while bytes flow (resets ProFTPD's idle timers).
    let onProgress: () -> Void

    private(set) var bytes: Int64 = 0

    init(source: RelayEndpoint, destination: RelayEndpoint, controlFD: Int32, stallSeconds: Int,
         alreadyRelayed: Int64 = 0, onProgress: @escaping () -> Void) {
        self.source = source
        self.destination = destination
        self.controlFD = controlFD
        self.stallSeconds = stallSeconds
        self.onProgress = onProgress
        self.bytes = alreadyRelayed
    }

    mutating func run() -> Outcome {
        if source.isPlainSocket && destination.isPlainSocket, let outcome = runSplice() {
            return outcome
        }
        return runBuffered()
    }

    // MARK: - splice(2)

    /// nil when splice is not usable here (then the buffered loop runs).
    private mutating func runSplice() -> Outcome? {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_NONBLOCK | O_CLOEXEC) == 0 else { return nil }
        defer { Glibc.close(fds[0]); Glibc.close(fds[1]) }
        let pipeCapacity = Int(fcntl(fds[1], F_SETPIPE_SZ, DataRelay.pipeSize))
        let capacity = pipeCapacity > 0 ? pipeCapacity : 65536
        let src = source.fd, dst = destination.fd
        let flags = UInt32(SPLICE_F_MOVE | SPLICE_F_NONBLOCK)
        var inPipe = 0
        var sourceDone = false
        var lastProgress = Deadline.now()

        while true {
            var moved = false
            if !sourceDone && inPipe < capacity {
                let n = splice(src, nil, fds[1], nil, capacity - inPipe, flags)
                if n > 0 {
                    inPipe += n; moved = true
                } else if n == 0 {
                    sourceDone = true
                } else if errno == EINVAL && bytes == 0 && inPipe == 0 {
                    return nil   // e.g. a socket type splice does not support
                } else if errno != EAGAIN && errno != EINTR {
                    return .sourceFailed(bytes: bytes, errno: errno)
                }
            }
            if inPipe > 0 {
                let n = splice(fds[0], nil, dst, nil, inPipe, flags)
                if n > 0 {
                    inPipe -= n; bytes += Int64(n); moved = true
                } else if n < 0 && errno != EAGAIN && errno != EINTR {
                    return .destinationFailed(bytes: bytes, errno: errno)
                }
            }
            if sourceDone && inPipe == 0 { return .completed(bytes: bytes) }
            if moved {
                tick(&lastProgress)
                continue
            }
            // Neither side moved. With bytes in the pipe the destination is
            // full: wait for it alone (waiting for the source too would spin
            // when the pipe has no free slot). With an empty pipe the source
            // has nothing: wait for it.
            switch waitForIO(readFD: (sourceDone || inPipe > 0) ? -1 : src,
                             writeFD: inPipe > 0 ? dst : -1) {
            case .ready: continue
            case .control: return .controlInput(bytes: bytes)
            case .stalled: return .stalled(bytes: bytes)
            case .failed(let e): return .sourceFailed(bytes: bytes, errno: e)
            }
        }
    }

    // MARK: - buffered copy (TLS or other NetIO layers)

    private mutating func runBuffered() -> Outcome {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: DataRelay.bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var lastProgress = Deadline.now()
        while true {
            let n: Int
            switch readSource(into: buffer) {
            case .transferred(let count): n = count
            case .endOfStream: return .completed(bytes: bytes)
            case .failed(let e): return .sourceFailed(bytes: bytes, errno: e)
            case .wouldBlock(let wanted):
                switch waitForIO(readFD: wanted == .readable ? source.fd : -1,
                                 writeFD: wanted == .writable ? source.fd : -1) {
                case .ready: continue
                case .control: return .controlInput(bytes: bytes)
                case .stalled: return .stalled(bytes: bytes)
                case .failed(let e): return .sourceFailed(bytes: bytes, errno: e)
                }
            }
            var offset = 0
            while offset < n {
                switch writeDestination(UnsafeRawBufferPointer(rebasing: buffer[offset..<n])) {
                case .transferred(let w): offset += w
                case .endOfStream: return .destinationFailed(bytes: bytes + Int64(offset), errno: EPIPE)
                case .failed(let e): return .destinationFailed(bytes: bytes + Int64(offset), errno: e)
                case .wouldBlock(let wanted):
                    switch waitForIO(readFD: wanted == .readable ? destination.fd : -1,
                                     writeFD: wanted == .writable ? destination.fd : -1) {
                    case .ready: continue
                    case .control: bytes += Int64(offset); return .controlInput(bytes: bytes)
                    case .stalled: return .stalled(bytes: bytes + Int64(offset))
                    case .failed(let e): return .destinationFailed(bytes: bytes + Int64(offset), errno: e)
                    }
                }
            }
            bytes += Int64(n)
            tick(&lastProgress)
        }
    }

    private func readSource(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep {
        switch source {
        case .socket(let fd):
            return SocketIO.receive(fd, into: buffer)
        case .transport(let transport):
            return transport.receive(into: buffer)
        case .netio(let conn):
            let n = pr_netio_read(conn.pointee.instrm, buffer.baseAddress!.assumingMemoryBound(to: CChar.self),
                                  buffer.count, 1)
            if n > 0 { return .transferred(Int(n)) }
            if n == 0 { return .endOfStream }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock(.readable) : .failed(errno)
        }
    }

    private func writeDestination(_ chunk: UnsafeRawBufferPointer) -> TransportStep {
        switch destination {
        case .socket(let fd):
            return SocketIO.transmit(fd, chunk)
        case .transport(let transport):
            return transport.transmit(chunk)
        case .netio(let conn):
            let n = pr_netio_write(conn.pointee.outstrm,
                                   UnsafeMutablePointer(mutating: chunk.baseAddress!.assumingMemoryBound(to: CChar.self)),
                                   chunk.count)
            if n >= 0 { return .transferred(Int(n)) }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock(.writable) : .failed(errno)
        }
    }

    // MARK: - waiting

    private enum Wait { case ready, control, stalled, failed(Int32) }

    private func waitForIO(readFD: Int32, writeFD: Int32) -> Wait {
        var pfds: [pollfd] = []
        if readFD >= 0 { pfds.append(pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)) }
        if writeFD >= 0 { pfds.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
        if controlFD >= 0 { pfds.append(pollfd(fd: controlFD, events: Int16(POLLIN), revents: 0)) }
        let timeout: Int32 = stallSeconds > 0 ? Int32(clamping: stallSeconds * 1000) : -1
        while true {
            let rc = poll(&pfds, nfds_t(pfds.count), timeout)
            if rc == 0 { return .stalled }
            if rc < 0 {
                if errno == EINTR { pr_signals_handle(); continue }
                return .failed(errno)
            }
            if controlFD >= 0, let last = pfds.last, last.revents != 0 { return .control }
            return .ready
        }
    }

    private func tick(_ last: inout UInt64) {
        let now = Deadline.now()
        if now &- last >= 1_000_000_000 {
            last = now
            onProgress()
        }
    }
}
