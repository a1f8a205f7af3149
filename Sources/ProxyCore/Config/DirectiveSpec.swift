/// How one directive is validated: its contexts, whether it accumulates, the
/// feature every use of it needs, and its argument parser.
struct DirectiveSpec: Sendable {
    let name: String
    let module: ProxyModuleKind
    let contexts: DirectiveContexts
    let isMulti: Bool
    /// Needed by every use of the directive (e.g. all ProxySFTP* need SFTP).
    let feature: ProxyFeature?
    let parse: @Sendable ([String]) throws -> ParsedArguments

    init(_ name: String, module: ProxyModuleKind = .proxy, contexts: DirectiveContexts = .all,
         multi: Bool = false, feature: ProxyFeature? = nil,
         parse: @escaping @Sendable ([String]) throws -> ParsedArguments) {
        self.name = name
        self.module = module
        self.contexts = contexts
        self.isMulti = multi
        self.feature = feature
        self.parse = parse
    }
}

/// What a directive's parser produced.
struct ParsedArguments: Sendable {
    var args: [String]
    var fileChecks: [FileCheck] = []
    /// Features these particular values need (e.g. "ProxyRole forward").
    var features: [ProxyFeature] = []
}
