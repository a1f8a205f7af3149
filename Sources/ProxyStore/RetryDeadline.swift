import Glibc

/// A point on the monotonic clock after which busy retries stop, plus the
/// jittered back-off between attempts.
struct RetryDeadline {
    private let expiry: Double
    let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
        self.expiry = RetryDeadline.now() + seconds
    }

    var hasExpired: Bool { RetryDeadline.now() >= expiry }

    /// Milliseconds left, at least 1 so SQLite's own busy wait still polls once.
    var remainingMillis: Int32 {
        let millis = (expiry - RetryDeadline.now()) * 1000
        guard millis.isFinite, millis >= 1 else { return 1 }
        return millis >= Double(Int32.max) ? Int32.max : Int32(millis)
    }

    /// Sleeps before attempt `attempt + 1`: 1, 2, 4 ... 64 ms, randomised so
    /// sessions that collided once do not collide again in lock-step.
    func backOff(after attempt: Int) {
        let ceilingMicros = 1000 << min(max(attempt, 0), 6)
        var micros = Int.random(in: ceilingMicros / 2 ... ceilingMicros)
        let leftMicros = Int((Double(remainingMillis)) * 1000)
        micros = min(micros, leftMicros)
        var pause = timespec(tv_sec: 0, tv_nsec: micros * 1000)
        // An interrupting signal just ends the pause early; the loop re-checks
        // the deadline.
        _ = nanosleep(&pause, nil)
    }

    static func now() -> Double {
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        return Double(clock.tv_sec) + Double(clock.tv_nsec) / 1_000_000_000
    }
}
