/// Every mod_proxy and mod_proxy_protocol directive, and their validation.
public enum DirectiveRegistry {
    static let specs: [DirectiveSpec] =
        CoreDirectiveSpecs.all + TLSDirectiveSpecs.all + SFTPDirectiveSpecs.all + ProxyProtocolDirectiveSpecs.all

    private static let specsByLowercasedName: [String: DirectiveSpec] = {
        var table: [String: DirectiveSpec] = [:]
        for spec in specs { table[spec.name.lowercased()] = spec }
        return table
    }()

    /// Canonical names of all directives, in table order.
    public static var directiveNames: [String] { specs.map(\.name) }

    public static func directiveNames(of module: ProxyModuleKind) -> [String] {
        specs.filter { $0.module == module }.map(\.name)
    }

    /// Validates one directive line. `name` is matched case-insensitively (as
    /// ProFTPD does); `args` excludes the name. Uses `ProxyFeature.implemented`.
    public static func validate(name: String, args: [String]) throws -> ValidatedDirective {
        try validate(name: name, args: args, implemented: ProxyFeature.implemented)
    }

    /// As `validate(name:args:)`, with an explicit set of implemented features.
    public static func validate(name: String, args: [String],
                                implemented: Set<ProxyFeature>) throws -> ValidatedDirective {
        guard let spec = specsByLowercasedName[name.lowercased()] else {
            throw DirectiveError.unknownDirective(name: name)
        }
        let parsed = try spec.parse(args)
        let needed = (spec.feature.map { [$0] } ?? []) + parsed.features
        let activity: DirectiveActivity
        if let missing = needed.first(where: { !implemented.contains($0) }) {
            activity = .parsedNotYetActive(feature: missing.rawValue)
        } else {
            activity = .active
        }
        return ValidatedDirective(name: spec.name, module: spec.module, contexts: spec.contexts,
                                  isMulti: spec.isMulti, args: parsed.args, fileChecks: parsed.fileChecks,
                                  activity: activity)
    }

    /// Contexts and accumulation of a directive, without validating arguments.
    public static func contexts(of name: String) -> DirectiveContexts? {
        specsByLowercasedName[name.lowercased()]?.contexts
    }

    public static func isMulti(_ name: String) -> Bool? {
        specsByLowercasedName[name.lowercased()]?.isMulti
    }

    public static func module(of name: String) -> ProxyModuleKind? {
        specsByLowercasedName[name.lowercased()]?.module
    }

    static func spec(named name: String) -> DirectiveSpec? {
        specsByLowercasedName[name.lowercased()]
    }
}
