/// ProxyRole.
public enum ProxyRole: String, ConfigKeyword {
    case forward
    case reverse
}

/// ProxyDataTransferPolicy: how data transfers with the backend are set up.
public enum DataTransferPolicy: String, ConfigKeyword {
    /// Whatever the client uses.
    case client
    /// Active transfers only (PORT; EPRT toward IPv6 backends).
    case active
    /// Passive transfers only (PASV; EPSV toward IPv6 backends).
    case passive
    case pasv = "PASV"
    case epsv = "EPSV"
    case port = "PORT"
    case eprt = "EPRT"
}

/// ProxyDirectoryListPolicy.
public enum DirectoryListPolicy: String, ConfigKeyword {
    case client
    /// Always send LIST to the backend and translate to MLSD/MLST for the client.
    case list = "LIST"
}

/// ProxyReverseConnectPolicy: how a backend is chosen when reverse proxying.
public enum ReverseConnectPolicy: String, ConfigKeyword {
    case random = "Random"
    case roundRobin = "RoundRobin"
    case shuffle = "Shuffle"
    case leastConns = "LeastConns"
    case leastResponseTime = "LeastResponseTime"
    case perUser = "PerUser"
    case perGroup = "PerGroup"
    case perHost = "PerHost"

    /// Sticky policies map a user, group or client address to one backend.
    public var isSticky: Bool { self == .perUser || self == .perGroup || self == .perHost }

    /// PerUser and PerGroup can only pick a backend once the USER name is known.
    public var needsUserName: Bool { self == .perUser || self == .perGroup }
}

/// ProxyForwardMethod: how a forward-proxy client names its destination.
public enum ForwardMethod: String, ConfigKeyword {
    /// Proxy login first, then "USER user@host".
    case proxyUserThenUserAtHost = "proxyuser,user@host"
    /// "USER user@host", no proxy authentication.
    case userAtHost = "user@host"
    /// "USER proxyuser@host" for the proxy login, then "USER user".
    case proxyUserAtHostThenUser = "proxyuser@host,user"
    /// Destination from the TLS SNI, no proxy authentication.
    case userAtSNI = "user@sni"

    public var requiresProxyAuth: Bool { self == .proxyUserThenUserAtHost || self == .proxyUserAtHostThenUser }
}

/// ProxyTLSEngine.
public enum TLSEngineMode: String, ConfigKeyword {
    case on
    case off
    case auto
    case matchClient = "MatchClient"
}

/// ProxyTLSTransferProtectionPolicy.
public enum TLSTransferProtectionPolicy: String, ConfigKeyword {
    case client
    case required
    case clear
}

/// ProxySFTPCompression.
public enum SFTPCompression: String, ConfigKeyword {
    case off
    case on
    /// OpenSSH's delayed compression, enabled after authentication.
    case delayed
}

/// ProxyDatastore.
public enum ProxyDatastore: Hashable, Sendable {
    case sqlite
    /// Redis keys are namespaced by the prefix.
    case redis(prefix: String)
}
