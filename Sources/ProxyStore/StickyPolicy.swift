/// What a sticky connect policy keys its backend map on
/// (ProxyReverseConnectPolicy PerUser, PerGroup, PerHost).
public enum StickyPolicy: String, CaseIterable, Sendable {
    /// Keyed on the USER name.
    case user
    /// Keyed on the user's primary group name.
    case group
    /// Keyed on the client's IP address text.
    case host
}
