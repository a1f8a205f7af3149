/// What ProxySFTPServerMatch rules decide for one backend, from its SSH
/// identification line. As upstream, the patterns see only the software
/// version: "OpenSSH_9.2p1" of "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
/// (no "SSH-2.0-"/"SSH-1.99-", no comments after a space).
public struct ServerMatchDecision: Equatable, Sendable {
    /// Our NEWKEYS waits for the server's.
    public var pessimisticNewkeys = false
    /// The patterns that matched, in configuration order (for the log).
    public var matchedPatterns: [String] = []

    public init() {}

    /// The software version of an identification line; nil when it is not one.
    public static func softwareVersion(ofIdentification line: String) -> String? {
        for prefix in ["SSH-2.0-", "SSH-1.99-"] where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count)
            let software = rest.prefix(while: { $0 != " " })
            return software.isEmpty ? nil : String(software)
        }
        return nil
    }

    /// Every matching rule applies its keys in turn (a later rule's value wins).
    /// `matches` is the regex engine (the daemon's pr_regexp in the module).
    public static func decide(identification: String, rules: [SFTPServerMatch],
                              matches: (_ pattern: String, _ software: String) -> Bool) -> ServerMatchDecision {
        var decision = ServerMatchDecision()
        guard let software = softwareVersion(ofIdentification: identification) else { return decision }
        for rule in rules where matches(rule.pattern, software) {
            decision.matchedPatterns.append(rule.pattern)
            if let value = rule.pessimisticNewkeys { decision.pessimisticNewkeys = value }
        }
        return decision
    }
}
