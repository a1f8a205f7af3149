/// ProxySFTPServerAlive count interval: when the server has been silent for
/// `interval` seconds, ask it for a reply (GLOBAL_REQUEST
/// keepalive@proftpd.org, want-reply, as upstream sends); the server must
/// answer (REQUEST_SUCCESS or REQUEST_FAILURE both prove it alive). After
/// `count` unanswered checks the session ends. Pure: the session passes the
/// time in and sends what it is told.
public struct ServerAliveMonitor: Sendable {
    public enum Action: Equatable, Sendable {
        case wait
        /// Send this payload to the server.
        case send([UInt8])
        /// Disconnect (by application) with this message; log `logLine`.
        case disconnect(message: String, logLine: String)
    }

    public let maxCount: Int
    public let interval: Double
    private var unanswered = 0
    private var lastHeard: Double

    /// nil when the setting turns the check off (a count or interval of 0).
    public init?(count: Int, interval: Int, now: Double) {
        guard count > 0, interval > 0 else { return nil }
        maxCount = count
        self.interval = Double(interval)
        lastHeard = now
    }

    /// Anything arrived from the server: the silence ends, and the checks are answered.
    public mutating func heard(now: Double) {
        lastHeard = now
        unanswered = 0
    }

    /// What to do at `now` (call it whenever the session wakes up).
    public mutating func check(now: Double) -> Action {
        guard now - lastHeard >= interval else { return .wait }
        unanswered += 1
        if unanswered > maxCount {
            return .disconnect(
                message: "server alive threshold reached",
                logLine: "ProxySFTPServerAlive threshold (max \(maxCount) checks, \(Int(interval)) sec interval) reached, disconnecting")
        }
        lastHeard = now  // the next check is one interval later
        return .send(Self.keepalivePayload)
    }

    /// SSH_MSG_GLOBAL_REQUEST "keepalive@proftpd.org", want-reply true.
    public static let keepalivePayload: [UInt8] = {
        var w = SSHWriter()
        w.byte(80)
        w.string("keepalive@proftpd.org")
        w.byte(1)
        return w.bytes
    }()
}
