import CProFTPD
import CShims
import Glibc
import ProxyCore

/// Moves the bytes of one data transfer from `source` to `destination`.
///
/// Speed is the point: between two plain sockets it uses splice(2) through a
/// pipe (no copy through user space); otherwise one large buffer. There are
/// no per-chunk timers: one poll(2) when a side would block, which also
/// watches the client's control connection for ABOR; while bytes flow
/// without a wait, the control connection is looked at every 50 ms.
///
/// `run()` returns when the client's control connection has input, and is
/// called again afterwards: bytes already taken from the source (in the pipe
/// or the buffer) stay here in between, so nothing is lost.
final class DataRelay {
    enum Outcome: Equatable {
        case completed(bytes: Int64)
        /// The client sent something on the control connection mid-transfer.
        case controlInput(bytes: Int64)
        case sourceFailed(bytes: Int64, errno: Int32)
        case destinationFailed(bytes: Int64, errno: Int32)
        case stalled(bytes: Int64)
    }

    static let bufferSize = 512 * 1024
    static let pipeSize: Int32 = 1 << 20
    /// The most handed to one NetIO write: pr_netio_write returns only when
    /// all of it is out (mod_tls waits for the client meanwhile), and the
    /// control connection is looked at between writes.
    static let netioWriteSize = 64 * 1024
    static let controlCheckInterval: UInt64 = 50_000_000
    /// Room worth another read of a record-at-a-time source (a TLS record).
    static let topUpMinimum = 16 * 1024
    /// A TLS source is read in batches: poll(2) wakes the relay when
    /// this much is there (SO_RCVLOWAT), not for each record the sender
    /// writes (every wakeup costs both processes CPU)...
    static let batchWakeBytes: Int32 = 192 * 1024
    /// ...and a wait for it lasts at most this long, so a trickle still moves.
    static let batchWaitMillis: Int32 = 20

    let source: RelayEndpoint
    let destination: RelayEndpoint
    /// File descriptor of the frontend control connection (-1: don't watch).
    let controlFD: Int32
    /// No byte moved for this long (TimeoutStalled) ends the transfer; <= 0:
    /// no limit of its own (ProFTPD's "0 disables"; TimeoutIdle still runs).
    let stallSeconds: Int
    /// Called about once a second while bytes flow (resets ProFTPD's idle timers).
    let onProgress: () -> Void

    private(set) var bytes: Int64 = 0
    /// ASCII transfers: CRLF pairs read, for the file size the logs show
    /// (these go through the buffered loop: splice never shows the bytes).
    let countLineEnds: Bool
    private(set) var lineEnds = LineEndCounter()
    /// TransferRate: nil (the usual case) costs the loops one check.
    let throttle: TransferThrottle?
    private let startedAt: UInt64

    // splice(2): the pipe and what it holds.
    private var pipeRead: Int32 = -1
    private var pipeWrite: Int32 = -1
    private var pipeCapacity = 0
    private var inPipe = 0
    private var spliceUnusable = false
    private var splicedAny = false
    private var sourceDone = false

    // Buffered copy: bytes read from the source, not yet written.
    private var buffer: UnsafeMutableRawBufferPointer?
    private var pendingStart = 0
    private var pendingEnd = 0
    /// The source's end or failure, met while topping up the buffer.
    private var heldSourceStep: TransportStep?
    /// A write buffer under mod_tls's session of a TLS frontend destination
    /// (TLSBulkBuffers.gatherWrites), flushed as a transport's is.
    private var frontendWrites: OpaquePointer?
    /// A TLS frontend source: the bytes its socket still holds.
    private var frontendBacklog = FrontendTLSBacklog()

    private var lastMovement: UInt64
    private var lastProgressCall: UInt64
    private var lastControlCheck: UInt64
    /// Until then the control connection is not watched (monotonic ns).
    private var controlPausedUntil: UInt64 = 0

    init(source: RelayEndpoint, destination: RelayEndpoint, controlFD: Int32, stallSeconds: Int,
         countLineEnds: Bool = false, throttle: TransferThrottle? = nil, onProgress: @escaping () -> Void) {
        self.countLineEnds = countLineEnds
        self.throttle = throttle
        self.source = source
        self.destination = destination
        self.controlFD = controlFD
        self.stallSeconds = stallSeconds
        self.onProgress = onProgress
        lastMovement = Deadline.now()
        startedAt = lastMovement
        lastProgressCall = lastMovement
        lastControlCheck = lastMovement
    }

    deinit {
        if pipeRead >= 0 { Glibc.close(pipeRead) }
        if pipeWrite >= 0 { Glibc.close(pipeWrite) }
        buffer?.deallocate()
    }

    /// Stops watching the control connection for a while: it holds input
    /// that can't be taken yet (part of a line), which would otherwise wake
    /// every poll. After the pause `run()` reports `.controlInput` again.
    func pauseControl(milliseconds: Int) {
        controlPausedUntil = Deadline.now() &+ UInt64(max(milliseconds, 1)) &* 1_000_000
    }

    func run() -> Outcome {
        if source.isPlainSocket && destination.isPlainSocket && !spliceUnusable && !countLineEnds,
           let outcome = runSplice() {
            return outcome
        }
        return runBuffered()
    }

    // MARK: - splice(2)

    /// nil when splice is not usable here (then the buffered loop runs).
    private func runSplice() -> Outcome? {
        if pipeRead < 0 {
            var fds: [Int32] = [-1, -1]
            guard pipe2(&fds, O_NONBLOCK | O_CLOEXEC) == 0 else {
                spliceUnusable = true
                return nil
            }
            pipeRead = fds[0]
            pipeWrite = fds[1]
            let capacity = Int(fcntl(pipeWrite, F_SETPIPE_SZ, DataRelay.pipeSize))
            pipeCapacity = capacity > 0 ? capacity : 65536
        }
        let src = source.fd, dst = destination.fd
        let flags = UInt32(SPLICE_F_MOVE | SPLICE_F_NONBLOCK)

        while true {
            var moved = false
            if !sourceDone && inPipe < pipeCapacity {
                let room = pipeCapacity - inPipe
                let n = splice(src, nil, pipeWrite, nil, throttle.map { min(room, $0.chunkLimit) } ?? room, flags)
                if n > 0 {
                    inPipe += n; moved = true; splicedAny = true
                } else if n == 0 {
                    sourceDone = true
                } else if errno == EINVAL && !splicedAny {
                    spliceUnusable = true   // e.g. a socket type splice does not support
                    return nil
                } else if errno != EAGAIN && errno != EINTR {
                    return .sourceFailed(bytes: bytes, errno: errno)
                }
            }
            if inPipe > 0 {
                let n = splice(pipeRead, nil, dst, nil, inPipe, flags)
                if n > 0 {
                    inPipe -= n; bytes += Int64(n); moved = true
                } else if n < 0 && errno != EAGAIN && errno != EINTR {
                    return .destinationFailed(bytes: bytes, errno: errno)
                }
            }
            if sourceDone && inPipe == 0 { return .completed(bytes: bytes) }
            if moved {
                if controlDue(now: noteMovement()) { return .controlInput(bytes: bytes) }
                if throttle != nil, keepToRate() == .control { return .controlInput(bytes: bytes) }
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

    private func runBuffered() -> Outcome {
        let buffer = self.buffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: DataRelay.bufferSize, alignment: 16)
        if self.buffer == nil, case .netio(let conn) = destination,
           let strm = conn.pointee.outstrm, let ssl = FrontendTLSInfo.ssl(of: strm) {
            frontendWrites = TLSBulkBuffers.gatherWrites(of: ssl)
        }
        self.buffer = buffer
        let batching = source.isTLSSocket
        if batching { SocketIO.setReceiveLowWater(source.fd, DataRelay.batchWakeBytes) }
        let frontendTLS = source.frontendTLS ?? destination.frontendTLS
        frontendTLS?.enterRelay()
        // Back to every byte once the relay returns (a close waits for a
        // few), and mod_tls's socket back to how it left it.
        defer {
            if batching { SocketIO.setReceiveLowWater(source.fd, 1) }
            frontendTLS?.leaveRelay()
        }
        while true {
            if pendingStart < pendingEnd {
                switch writeDestination(UnsafeRawBufferPointer(rebasing: buffer[pendingStart..<pendingEnd])) {
                case .transferred(let w):
                    pendingStart += w
                    bytes += Int64(w)
                    if controlDue(now: noteMovement()) { return .controlInput(bytes: bytes) }
                    if throttle != nil {
                        // Nothing waits in a write buffer while the rate is kept.
                        if let interrupted = flushDestination() { return interrupted }
                        if keepToRate() == .control { return .controlInput(bytes: bytes) }
                    }
                case .endOfStream:
                    return .destinationFailed(bytes: bytes, errno: EPIPE)
                case .failed(let e):
                    return .destinationFailed(bytes: bytes, errno: e)
                case .wouldBlock(let wanted):
                    if let interrupted = waitForDestination(wanted) { return interrupted }
                }
                continue
            }
            let readInto = throttle.map { UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, $0.chunkLimit)]) } ?? buffer
            let step = heldSourceStep ?? readSource(into: readInto)
            heldSourceStep = nil
            switch step {
            case .transferred(let n):
                pendingStart = 0
                pendingEnd = n
                topUp(readInto)
                if countLineEnds { lineEnds.scan(UnsafeRawBufferPointer(rebasing: buffer[0..<pendingEnd])) }
                if controlDue(now: noteMovement()) { return .controlInput(bytes: bytes) }
            case .endOfStream:
                if let interrupted = flushDestination() {
                    heldSourceStep = .endOfStream
                    return interrupted
                }
                return .completed(bytes: bytes)
            case .failed(let e):
                return .sourceFailed(bytes: bytes, errno: e)
            case .wouldBlock(let wanted):
                // Nothing to read: what the destination holds back goes out first.
                if let interrupted = flushDestination() { return interrupted }
                switch waitFor(wanted, on: source.fd, atMost: batching ? DataRelay.batchWaitMillis : nil) {
                case .ready: continue
                case .control: return .controlInput(bytes: bytes)
                case .stalled: return .stalled(bytes: bytes)
                case .failed(let e): return .sourceFailed(bytes: bytes, errno: e)
                }
            }
        }
    }

    /// A TLS source hands out one record (16 KiB) per read: while more is
    /// already there, read on, so that the destination gets one large write
    /// rather than one per record. The end or a failure met here is kept
    /// for after the bytes before it are written.
    private func topUp(_ region: UnsafeMutableRawBufferPointer) {
        guard source.deliversRecords else { return }
        while region.count - pendingEnd >= DataRelay.topUpMinimum {
            switch readSource(into: UnsafeMutableRawBufferPointer(rebasing: region[pendingEnd...])) {
            case .transferred(let n): pendingEnd += n
            case .wouldBlock: return
            case let ended: heldSourceStep = ended; return
            }
        }
    }

    /// Sends what the destination transport holds back (TLS records in its
    /// write buffer). nil when all is out; otherwise why the relay returns.
    private func flushDestination() -> Outcome? {
        let held: (pending: () -> Bool, flush: () -> TransportStep)
        if case .transport(let transport) = destination {
            held = ({ transport.hasPendingOutput }, transport.flushOutput)
        } else if let frontendWrites {
            held = ({ TLSBulkBuffers.unsentOutput(frontendWrites) }, { TLSBulkBuffers.flush(frontendWrites) })
        } else {
            return nil
        }
        while held.pending() {
            switch held.flush() {
            case .transferred, .endOfStream:
                continue
            case .failed(let e):
                return .destinationFailed(bytes: bytes, errno: e)
            case .wouldBlock(let wanted):
                if let interrupted = waitForDestination(wanted) { return interrupted }
            }
        }
        return nil
    }

    /// Waits until the destination can take what it asked for: nil when it
    /// can, otherwise why the relay returns.
    private func waitForDestination(_ wanted: TransportReadiness) -> Outcome? {
        switch waitFor(wanted, on: destination.fd) {
        case .ready: return nil
        case .control: return .controlInput(bytes: bytes)
        case .stalled: return .stalled(bytes: bytes)
        case .failed(let e): return .destinationFailed(bytes: bytes, errno: e)
        }
    }

    private func readSource(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep {
        switch source {
        case .socket(let fd):
            return SocketIO.receive(fd, into: buffer)
        case .transport(let transport):
            return transport.receive(into: buffer)
        case .netio(let conn):
            // pr_netio_read waits for data itself; only call it when there is some.
            guard let strm = conn.pointee.instrm else { return .failed(EBADF) }
            let ssl = FrontendTLSInfo.ssl(of: strm)
            let ready = ssl.map { SSL_pending($0) > 0 || frontendBacklog.hasBytes(fd: source.fd, ssl: $0) } == true
            if !ready && !DataRelay.isReady(fd: source.fd, for: POLLIN) {
                return .wouldBlock(.readable)
            }
            let n = pr_netio_read(strm, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count, 1)
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
            if !DataRelay.isReady(fd: destination.fd, for: POLLOUT) { return .wouldBlock(.writable) }
            let n = pr_netio_write(conn.pointee.outstrm,
                                   UnsafeMutablePointer(mutating: chunk.baseAddress!.assumingMemoryBound(to: CChar.self)),
                                   min(chunk.count, DataRelay.netioWriteSize))
            if n >= 0 { return .transferred(Int(n)) }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock(.writable) : .failed(errno)
        }
    }

    /// Waits for what a side asked for: a transport's read may need the
    /// socket writable (TLS), and the other way round.
    private func waitFor(_ wanted: TransportReadiness, on fd: Int32, atMost cap: Int32? = nil) -> Wait {
        waitForIO(readFD: wanted == .readable ? fd : -1, writeFD: wanted == .writable ? fd : -1, atMost: cap)
    }

    // MARK: - TransferRate

    private enum RateWait { case onTime, control }

    /// Ahead of the rate: sleep in poll(2) until the bytes moved are due,
    /// still answering the control connection (ABOR) meanwhile.
    private func keepToRate() -> RateWait {
        guard let throttle else { return .onTime }
        while true {
            let now = Deadline.now()
            let delay = throttle.delayNanoseconds(bytes: bytes, elapsedNanoseconds: now &- startedAt)
            if delay == 0 { return .onTime }
            let watchControl = controlFD >= 0 && now >= controlPausedUntil
            var pfd = pollfd(fd: watchControl ? controlFD : -1, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, Int32(min(delay / 1_000_000 + 1, 1000)))
            if rc < 0 && errno == EINTR { pr_signals_handle(); continue }
            if rc > 0 && watchControl && pfd.revents != 0 { return .control }
            // Waiting to keep the rate is not a stall; a long wait still
            // resets the idle timers about once a second.
            lastMovement = Deadline.now()
            if rc == 0 && delay > 1_000_000_000 { onProgress() }
        }
    }

    // MARK: - waiting

    private enum Wait { case ready, control, stalled, failed(Int32) }

    /// Waits for a side, or the control connection (unless paused). Stalled
    /// means no byte moved for `stallSeconds`, however many waits that took.
    /// `cap`: return .ready after that many milliseconds at the latest (a
    /// batching source is then read for what it has).
    private func waitForIO(readFD: Int32, writeFD: Int32, atMost cap: Int32? = nil) -> Wait {
        while true {
            let now = Deadline.now()
            let stallAt = stallSeconds > 0 ? lastMovement &+ UInt64(stallSeconds) &* 1_000_000_000 : UInt64.max
            if now >= stallAt { return .stalled }
            let controlPaused = controlFD >= 0 && now < controlPausedUntil
            if controlFD >= 0 && !controlPaused && controlPausedUntil != 0 {
                controlPausedUntil = 0
                return .control   // the pause is over: look at the control input again
            }
            var wakeAt = stallAt
            if controlPaused { wakeAt = min(wakeAt, controlPausedUntil) }
            var timeout: Int32 = wakeAt == .max ? -1 : Int32(min((wakeAt - now) / 1_000_000 + 1, UInt64(Int32.max)))
            let capped = cap.map { timeout < 0 || timeout > $0 } ?? false
            if capped, let cap { timeout = cap }

            var pfds: [pollfd] = []
            if readFD >= 0 { pfds.append(pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)) }
            if writeFD >= 0 { pfds.append(pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)) }
            let watchControl = controlFD >= 0 && !controlPaused
            if watchControl { pfds.append(pollfd(fd: controlFD, events: Int16(POLLIN), revents: 0)) }
            let rc = poll(&pfds, nfds_t(pfds.count), timeout)
            if rc == 0 {
                if capped { return .ready }
                continue   // the stall limit or the end of a pause: checked above
            }
            if rc < 0 {
                if errno == EINTR { pr_signals_handle(); continue }
                return .failed(errno)
            }
            if watchControl, let last = pfds.last, last.revents != 0 { return .control }
            return .ready
        }
    }

    /// Records that bytes moved; returns the time.
    private func noteMovement() -> UInt64 {
        let now = Deadline.now()
        lastMovement = now
        if now &- lastProgressCall >= 1_000_000_000 {
            lastProgressCall = now
            onProgress()
        }
        return now
    }

    /// While bytes flow, waits (and their look at the control connection)
    /// may not come: true when the control connection has input, looked at
    /// every 50 ms, or when a pause of it just ended.
    private func controlDue(now: UInt64) -> Bool {
        guard controlFD >= 0 else { return false }
        if controlPausedUntil != 0 {
            if now < controlPausedUntil { return false }
            controlPausedUntil = 0
            return true
        }
        guard now &- lastControlCheck >= DataRelay.controlCheckInterval else { return false }
        lastControlCheck = now
        return DataRelay.isReady(fd: controlFD, for: POLLIN)
    }

    private static func isReady(fd: Int32, for event: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(event), revents: 0)
        return poll(&pfd, 1, 0) > 0
    }
}
