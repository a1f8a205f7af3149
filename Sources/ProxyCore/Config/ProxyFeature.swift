/// Capabilities some directive values depend on. A directive whose values
/// need a feature missing from `ProxyFeature.implemented` validates, but is
/// reported as `.parsedNotYetActive`.
public enum ProxyFeature: String, CaseIterable, Hashable, Sendable {
    case tls = "TLS to backend servers"
    case sftp = "SFTP/SCP proxying"
    case sftpServerMatch = "ProxySFTPServerMatch"
    case forwardProxy = "forward proxying"
    case forwardProxyLogin = "forward proxying with a proxy login (ProxyForwardMethod proxyuser,user@host and proxyuser@host,user)"
    case redisDatastore = "the Redis datastore"
    case directoryListTranslation = "ProxyDirectoryListPolicy LIST"
    case sourceAddress = "ProxySourceAddress"
    case directDataTransfers = "ProxyOptions UseDirectDataTransfers"
    case reverseProxyAuth = "ProxyOptions UseReverseProxyAuth"
    case proxyProtocolToBackend = "sending the PROXY protocol to backends"
    case perGroupPolicy = "the PerGroup connect policy and %g backend files (they need UseReverseProxyAuth)"
    case leastPolicies = "the LeastConns/LeastResponseTime connect policies"
    case dnsDiscovery = "DNS SRV/TXT backend discovery"
    case sqlBackends = "sql:/ backend lookups"

    /// THE TABLE TO EDIT as features land: everything listed here is active.
    /// Directives and values that need none of these features are always active.
    public static let implemented: Set<ProxyFeature> = [
        .tls,
        .sourceAddress,
        .proxyProtocolToBackend,
        .leastPolicies,
        .directoryListTranslation,
        .forwardProxy,
        .forwardProxyLogin,
        .dnsDiscovery,
        .sqlBackends,
        .reverseProxyAuth,
        .perGroupPolicy,
        .directDataTransfers,
        .sftp,
        .sftpServerMatch,
        .redisDatastore,
    ]
}
