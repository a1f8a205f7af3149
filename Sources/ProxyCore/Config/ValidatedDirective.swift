/// Which module a directive belongs to.
public enum ProxyModuleKind: String, Hashable, Sendable {
    case proxy = "mod_proxy"
    case proxyProtocol = "mod_proxy_protocol"
}

/// A directive line that passed validation, with what the bridge needs to
/// store it.
public struct ValidatedDirective: Hashable, Sendable {
    /// The directive's canonical spelling, e.g. "ProxyReverseServers".
    public let name: String
    public let module: ProxyModuleKind
    public let contexts: DirectiveContexts
    /// May repeat and accumulate (the bridge sets CF_MULTI), e.g. ProxyOptions.
    public let isMulti: Bool
    /// Canonical arguments to store: keywords in their documented spelling,
    /// booleans as "on"/"off", durations as whole seconds.
    public let args: [String]
    /// Filesystem checks to run now, at configuration time.
    public let fileChecks: [FileCheck]
    public let activity: DirectiveActivity

    public init(name: String, module: ProxyModuleKind, contexts: DirectiveContexts, isMulti: Bool,
                args: [String], fileChecks: [FileCheck], activity: DirectiveActivity) {
        self.name = name
        self.module = module
        self.contexts = contexts
        self.isMulti = isMulti
        self.args = args
        self.fileChecks = fileChecks
        self.activity = activity
    }
}
