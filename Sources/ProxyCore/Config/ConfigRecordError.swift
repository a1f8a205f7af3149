/// A stored directive record that could not be turned into settings.
public struct ConfigRecordError: Error, Hashable, CustomStringConvertible, Sendable {
    public let directive: String
    public let error: DirectiveError

    public var description: String { "\(directive): \(error.description)" }
}

/// Walks stored records in config order, validating each again and handing
/// the canonical arguments of this module's directives to `apply`.
/// Single-valued directives: the first record wins, as find_config() returns
/// the first match. Multi directives get every record.
func forEachRecord(_ records: [(name: String, args: [String])], module: ProxyModuleKind,
                   apply: (_ name: String, _ args: [String]) throws -> Void) throws {
    var seen = Set<String>()
    for record in records {
        guard let spec = DirectiveRegistry.spec(named: record.name) else {
            throw ConfigRecordError(directive: record.name, error: .unknownDirective(name: record.name))
        }
        guard spec.module == module else { continue }
        let parsed: ParsedArguments
        do {
            parsed = try spec.parse(record.args)
        } catch let error as DirectiveError {
            throw ConfigRecordError(directive: spec.name, error: error)
        }
        if !spec.isMulti {
            if seen.contains(spec.name) { continue }
            seen.insert(spec.name)
        }
        try apply(spec.name, parsed.args)
    }
}
