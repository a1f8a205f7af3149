/// A configured timeout in whole seconds; 0 means "no timeout".
public struct TimeoutDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let seconds: Int

    public init(seconds: Int) { self.seconds = max(0, seconds) }

    public static let none = TimeoutDuration(seconds: 0)

    public var isNone: Bool { seconds == 0 }

    /// Parses ProFTPD duration syntax ("5", "5s", "2min", "01:00:00").
    public init(parsing text: String) throws {
        self.init(seconds: try parseDuration(text))
    }

    public static func < (lhs: TimeoutDuration, rhs: TimeoutDuration) -> Bool { lhs.seconds < rhs.seconds }

    public var description: String { isNone ? "none" : "\(seconds)s" }
}
