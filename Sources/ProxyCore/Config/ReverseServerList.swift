/// Where reverse-proxy backends come from, accumulated over every
/// ProxyReverseServers line (as upstream concatenates them).
public struct ReverseServerList: Hashable, Sendable {
    /// URLs given directly, or loaded from a static file by the bridge.
    public var staticURLs: [BackendURL] = []
    /// "file:" paths without %U/%g that were stored unresolved; load them
    /// with `BackendListFile.load` and treat the URLs as static.
    public var staticFiles: [String] = []
    /// Per-user/per-group sources, consulted once the user is known.
    public var dynamicSources: [DynamicBackendSource] = []

    public init() {}

    /// The first dynamic source (configurations normally have at most one).
    public var dynamicSource: DynamicBackendSource? { dynamicSources.first }

    public var isEmpty: Bool { staticURLs.isEmpty && staticFiles.isEmpty && dynamicSources.isEmpty }
}

public enum DynamicBackendSource: Hashable, Sendable {
    /// "file:/path/%U.json" or "file:/path/%g.json".
    case file(BackendPathTemplate)
    /// "sql:/NamedQuery": mod_sql's SQLNamedQuery of that name.
    case sqlNamedQuery(String)
}
