import Glibc
import CProFTPD
import ProxyCore

/// What one proxied session needs to know, derived once from ProxySettings
/// and the core's own directives (TimeoutStalled, ...).
struct SessionOptions {
    /// Which PROXY protocol header, if any, opens each backend connection.
    enum BackendProxyHeader { case none, v1, v2(withTLVs: Bool) }

    struct ConfigurationError: Error, CustomStringConvertible {
        let description: String
    }

    let vhostID: Int
    let role: ProxyRole
    let tablesDirectory: String
    let datastore: ProxyDatastore
    /// ProxyTLS* settings toward backends.
    let tls: TLSSettings
    let servers: ReverseServerList
    let connectPolicy: ReverseConnectPolicy
    let retryCount: Int
    /// ProxyTimeoutConnect (0 means the default, 5 s): backend connects, name
    /// lookups, data connections we open.
    let connectTimeout: Int
    /// ProxyTimeoutLinger: 0 means no wait at all for a late final reply.
    let lingerTimeout: Int
    let dataTransferPolicy: DataTransferPolicy
    /// ProxyDirectoryListPolicy LIST: MLSD is served from the backend's LIST
    /// (never with direct data transfers: the listing doesn't pass the proxy).
    let translatesDirectoryLists: Bool
    /// ProxyOptions UseDirectDataTransfers: data runs client <-> backend.
    let directDataTransfers: Bool
    let directoryListUseSlink: Bool
    let showFeatures: Bool
    let useReverseProxyAuth: Bool
    /// When the reverse role chooses its backend: at connect, at USER, or at
    /// PASS after the proxy authenticated the user.
    let backendChoice: BackendChoiceMoment
    /// ProxyForwardMethod and ProxyForwardTo (the forward role).
    let forwardMethod: ForwardMethod
    let forwardTo: ForwardToPattern?
    let ignoreConfigPerms: Bool
    let foreignAddressPolicy: BackendDataChannel.ForeignAddressPolicy
    let proxyProtocol: BackendProxyHeader
    let sourceAddress: String?
    /// How long a backend may take to answer an ordinary command.
    let backendReplyTimeout: Int
    /// TimeoutStalled: a transfer with no progress for this long is aborted.
    let stallTimeout: Int
    /// How long the client may take to open its data connection.
    let frontendConnectTimeout: Int

    init(settings: ProxySettings, vhostID: Int) throws {
        guard let tables = settings.tablesDirectory ?? ConfigRecords.rootValue("ProxyTables") else {
            throw ConfigurationError(description: "ProxyTables is not configured; mod_proxy needs it for its datastore and chroot")
        }
        self.vhostID = vhostID
        role = settings.role
        tablesDirectory = tables
        datastore = settings.datastore
        tls = settings.tls
        servers = settings.reverseServers
        connectPolicy = settings.reverseConnectPolicy
        retryCount = max(settings.retryCount, 1)
        connectTimeout = settings.connectTimeout.isNone ? 5 : settings.connectTimeout.seconds
        lingerTimeout = settings.lingerTimeout.seconds
        dataTransferPolicy = settings.dataTransferPolicy
        directDataTransfers = settings.options.contains(.useDirectDataTransfers)
        translatesDirectoryLists = settings.directoryListPolicy == .list && !directDataTransfers
        directoryListUseSlink = settings.directoryListUseSlink
        showFeatures = settings.options.contains(.showFeatures)
        useReverseProxyAuth = settings.options.contains(.useReverseProxyAuth)
        do {
            // The forward role connects where the client names a destination (USER).
            backendChoice = role == .forward ? .atUser
                : try BackendChoiceMoment.decide(policy: connectPolicy, useReverseProxyAuth: useReverseProxyAuth,
                                                 servers: servers)
        } catch {
            throw ConfigurationError(description: "\(error), rejecting connection due to incompatible configuration")
        }
        forwardMethod = settings.forwardMethod
        forwardTo = settings.forwardTo
        ignoreConfigPerms = settings.options.contains(.ignoreConfigPerms)
        if settings.options.contains(.ignoreForeignAddress) {
            foreignAddressPolicy = .ignore
        } else if settings.options.contains(.allowForeignAddress) {
            foreignAddressPolicy = .allow
        } else {
            foreignAddressPolicy = .refuse
        }
        if settings.options.contains(.useProxyProtocolV2) {
            proxyProtocol = .v2(withTLVs: settings.options.contains(.useProxyProtocolV2TLVs))
        } else if settings.options.contains(.useProxyProtocolV1) {
            proxyProtocol = .v1
        } else {
            proxyProtocol = .none
        }
        sourceAddress = settings.sourceAddress
        let idle = CoreTimeouts.seconds("TimeoutIdle", default: 600)
        backendReplyTimeout = max(idle, 30)
        stallTimeout = CoreTimeouts.seconds("TimeoutStalled", default: 3600)
        frontendConnectTimeout = max(CoreTimeouts.seconds("TimeoutNoTransfer", default: 300), 30)
    }
}
