import Glibc

/// A point in monotonic time, for bounding waits without timers (alarm(2)
/// belongs to ProFTPD's own timers).
struct Deadline {
    let nanoseconds: UInt64   // monotonic; UInt64.max = never

    static var never: Deadline { Deadline(nanoseconds: .max) }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// `seconds` <= 0 means no limit.
    static func after(seconds: Int) -> Deadline {
        seconds > 0 ? Deadline(nanoseconds: now() &+ UInt64(seconds) &* 1_000_000_000) : .never
    }

    static func after(milliseconds: Int) -> Deadline {
        milliseconds > 0 ? Deadline(nanoseconds: now() &+ UInt64(milliseconds) &* 1_000_000) : .never
    }

    /// Milliseconds left, for poll(2): -1 = infinite, 0 = expired.
    var pollTimeout: Int32 {
        if nanoseconds == .max { return -1 }
        let current = Deadline.now()
        if current >= nanoseconds { return 0 }
        return Int32(min((nanoseconds - current) / 1_000_000 + 1, UInt64(Int32.max)))
    }

    var hasExpired: Bool { nanoseconds != .max && Deadline.now() >= nanoseconds }
}

/// Milliseconds since an earlier `Deadline.now()` reading.
func millisecondsSince(_ start: UInt64) -> Int {
    Int((Deadline.now() &- start) / 1_000_000)
}
