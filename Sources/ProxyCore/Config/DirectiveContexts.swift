/// Where a directive may appear, as ProFTPD's CHECK_CONF contexts.
public struct DirectiveContexts: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The top level of proftpd.conf (CONF_ROOT).
    public static let serverConfig = DirectiveContexts(rawValue: 1 << 0)
    /// Inside <VirtualHost> (CONF_VIRTUAL).
    public static let virtualHost = DirectiveContexts(rawValue: 1 << 1)
    /// Inside <Global> (CONF_GLOBAL).
    public static let global = DirectiveContexts(rawValue: 1 << 2)
    /// Inside <Class> (CONF_CLASS).
    public static let classSection = DirectiveContexts(rawValue: 1 << 3)

    /// "All" in the directive reference: server config, <VirtualHost>, <Global>.
    public static let all: DirectiveContexts = [.serverConfig, .virtualHost, .global]
}
