/// The backend replies a session gave up waiting for (a transfer's final
/// reply after ProxyTimeoutLinger, the replies to an ABOR). They still
/// arrive, late: the ledger has them skipped before the next command so
/// every later reply is paired with its own command.
public struct ReplyLedger: Equatable, Sendable {
    public private(set) var owed = 0

    public init() {}

    /// `count` more replies will arrive that nobody waits for.
    public mutating func owe(_ count: Int = 1) {
        owed += max(count, 0)
    }

    /// Before sending a command: whether a late reply must be read and
    /// dropped first (and counts it as settled).
    public mutating func settleNext() -> Bool {
        guard owed > 0 else { return false }
        owed -= 1
        return true
    }

    /// Nothing outstanding: any input from the backend now is unsolicited.
    public var isSettled: Bool { owed == 0 }
}

/// The replies a backend owes after ABOR during a transfer (RFC 959 4.1.3):
/// the transfer's own reply (426, or 226 if it had just finished) and the
/// ABOR's (225/226). A lone 225 means the transfer's reply came earlier.
public struct AbortReplies: Equatable, Sendable {
    public private(set) var received: [Int] = []

    public init() {}

    /// Records one reply code; returns true when no more are expected.
    public mutating func receive(_ code: Int) -> Bool {
        received.append(code)
        return isComplete
    }

    public var isComplete: Bool {
        received.count >= 2 || received == [225]
    }

    /// The two replies in the order clients wait for them (RFC 959 4.1.3):
    /// the transfer's 4xx first, then the ABOR's 2xx. A backend that noticed
    /// the ABOR before the broken data connection sends them the other way
    /// round, and a client reading up to the first 2xx would be left a
    /// reply behind.
    public static func inClientOrder<Reply>(_ first: Reply, _ second: Reply, code: (Reply) -> Int) -> (Reply, Reply) {
        code(first) / 100 == 2 && code(second) / 100 == 4 ? (second, first) : (first, second)
    }

    /// What is still on its way when the session stops waiting now.
    public var stillOwed: Int {
        isComplete ? 0 : 2 - received.count
    }
}
