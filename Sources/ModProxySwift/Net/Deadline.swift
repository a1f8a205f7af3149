import Glibc

/// A point in monotonic time, for bounding waits without timers (alarm(2)
/// belongs to ProFTPD's own timers).
///
/// There is no "never": every wait on a peer ends. A duration of 0 (or
/// less) is a deadline that has already passed, so a wait looks once at
/// what is there and does not block (as upstream's select() with a zero
/// timeval does for ProxyTimeoutLinger 0).
struct Deadline {
    let nanoseconds: UInt64   // monotonic

    /// About 31 years: keeps the arithmetic below from overflowing.
    private static let longest = 1_000_000_000

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// `seconds` <= 0: already expired.
    static func after(seconds: Int) -> Deadline {
        Deadline(nanoseconds: now() &+ UInt64(min(max(seconds, 0), longest)) &* 1_000_000_000)
    }

    /// `milliseconds` <= 0: already expired.
    static func after(milliseconds: Int) -> Deadline {
        Deadline(nanoseconds: now() &+ UInt64(min(max(milliseconds, 0), longest)) &* 1_000_000)
    }

    /// Milliseconds left, for poll(2): 0 = expired (poll without waiting).
    var pollTimeout: Int32 {
        let current = Deadline.now()
        if current >= nanoseconds { return 0 }
        return Int32(min((nanoseconds - current) / 1_000_000 + 1, UInt64(Int32.max)))
    }

    var hasExpired: Bool { Deadline.now() >= nanoseconds }
}

/// Milliseconds since an earlier `Deadline.now()` reading.
func millisecondsSince(_ start: UInt64) -> Int {
    Int((Deadline.now() &- start) / 1_000_000)
}
