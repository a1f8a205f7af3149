/// One backend of a vhost as the datastore records it.
public struct ReverseBackendState: Equatable, Sendable {
    /// Position in the vhost's configured ProxyReverseServers list.
    public let index: Int
    public let url: String
    /// Sessions currently connected to it.
    public var connCount: Int
    /// The last measured connect time in milliseconds; nil until measured.
    public var connectMillis: Int?
    public var healthy: Bool

    public init(index: Int, url: String, connCount: Int = 0, connectMillis: Int? = nil, healthy: Bool = true) {
        self.index = index
        self.url = url
        self.connCount = connCount
        self.connectMillis = connectMillis
        self.healthy = healthy
    }
}
