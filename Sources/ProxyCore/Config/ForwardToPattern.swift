/// ProxyForwardTo [!]pattern [flags]: which destinations forward-proxy
/// clients may request, as a POSIX extended regular expression on "host:port".
public struct ForwardToPattern: Hashable, Sendable {
    public let pattern: String
    /// "!pattern": the destination must NOT match.
    public let isNegated: Bool
    /// "[NC]" / "[nocase]".
    public let ignoresCase: Bool

    /// Whether a "host:port" destination is allowed.
    public func allows(_ hostPort: String) -> Bool {
        let matched = POSIXRegex.matches(pattern, hostPort, ignoringCase: ignoresCase) ?? false
        return isNegated ? !matched : matched
    }
}
