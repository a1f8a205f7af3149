/// Whether a validated directive takes effect in this build, or is accepted
/// (so existing configurations keep loading) but not acted on yet.
public enum DirectiveActivity: Hashable, Sendable {
    case active
    /// `feature` names what is missing, e.g. "TLS to backend servers".
    case parsedNotYetActive(feature: String)

    public var isActive: Bool { self == .active }
}
