/// What the datastore knows of one backend of a vhost. Every piece of
/// per-backend state is keyed by the backend's URL text, never by its
/// position in a list (lists are filtered, reordered, or come from files).
public struct BackendState: Equatable, Sendable {
    /// The backend's URL as configured (`BackendURL.description`).
    public let url: String
    /// Sessions currently connected to it.
    public var connCount: Int
    /// The last measured connect time in milliseconds; nil until measured.
    public var connectMillis: Int?
    /// Unix time until which the backend is held off after a failure; 0
    /// (or any time in the past) means healthy.
    public var unhealthyUntil: Int

    public init(url: String, connCount: Int = 0, connectMillis: Int? = nil, unhealthyUntil: Int = 0) {
        self.url = url
        self.connCount = connCount
        self.connectMillis = connectMillis
        self.unhealthyUntil = unhealthyUntil
    }

    /// How long a backend that failed (connect error, refused banner,
    /// timeout) goes behind the others in every session's failover order.
    /// The next successful connect clears it.
    public static let failureHoldOffSeconds = 30

    /// Whether the backend may be chosen ahead of others at `now` (Unix time).
    public func isHealthy(at now: Int) -> Bool { unhealthyUntil <= now }
}
