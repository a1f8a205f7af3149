/// When a reverse-proxy session chooses and connects its backend (upstream's
/// connect-at-session-init, at-USER and at-PASS flags).
public enum BackendChoiceMoment: Equatable, Sendable {
    /// As the client connects: the client sees the backend's banner.
    case atConnect
    /// At USER: PerUser, or only per-user lists configured. The proxy greets.
    case atUser
    /// At PASS, once the proxy itself authenticated the user
    /// (UseReverseProxyAuth), whatever the policy.
    case atPass

    /// PerGroup without UseReverseProxyAuth: the group is only known once the
    /// proxy authenticated the user. Upstream refuses every session then.
    public struct PerGroupWithoutProxyAuth: Error, Equatable, CustomStringConvertible {
        public var description: String {
            "ProxyReverseConnectPolicy PerGroup requires the UseReverseProxyAuth ProxyOption"
        }
    }

    public static func decide(policy: ReverseConnectPolicy, useReverseProxyAuth: Bool,
                              servers: ReverseServerList) throws -> BackendChoiceMoment {
        if useReverseProxyAuth { return .atPass }
        if policy == .perGroup { throw PerGroupWithoutProxyAuth() }
        let onlyPerNameLists = !servers.dynamicSources.isEmpty && servers.staticURLs.isEmpty && servers.staticFiles.isEmpty
        return policy == .perUser || onlyPerNameLists ? .atUser : .atConnect
    }
}
