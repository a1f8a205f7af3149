/// ProFTPD's TransferRate arithmetic (src/throttle.c) for the relay: after
/// `bytes` moved in `elapsed`, how long to wait so the transfer keeps to
/// the rate. The first `freeBytes` are not throttled. The relay sleeps in
/// poll(2) for that long (watching the control connection), never spins.
public struct TransferThrottle: Equatable, Sendable {
    public let bytesPerSecond: Double
    public let freeBytes: Int64

    /// `kilobytesPerSecond` as TransferRate gives it (KB = 1024 bytes).
    public init(kilobytesPerSecond: Double, freeBytes: Int64) {
        bytesPerSecond = kilobytesPerSecond * 1024
        self.freeBytes = max(freeBytes, 0)
    }

    public func delayNanoseconds(bytes: Int64, elapsedNanoseconds: UInt64) -> UInt64 {
        guard bytesPerSecond > 0, bytes > freeBytes else { return 0 }
        let ideal = Double(bytes - freeBytes) / bytesPerSecond * 1_000_000_000
        let elapsed = Double(elapsedNanoseconds)
        return ideal > elapsed ? UInt64(ideal - elapsed) : 0
    }

    /// The most to move in one step: about an eighth of a second's worth,
    /// so the bytes go out evenly rather than in a burst and a long pause.
    public var chunkLimit: Int {
        let eighth = bytesPerSecond / 8
        return eighth < 4096 ? 4096 : (eighth > 1_048_576 ? 1_048_576 : Int(eighth))
    }
}
