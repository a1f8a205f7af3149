extension ReverseConnectPolicy {
    /// The key a sticky policy maps to a backend: the USER name (PerUser),
    /// the authenticated user's primary group (PerGroup), the client's
    /// address (PerHost); nil for the balancing policies or when the name is
    /// not known (then the policy picks as round robin does).
    public func stickyKey(user: String?, group: String?, clientAddress: String?) -> String? {
        let key: String?
        switch self {
        case .perUser: key = user
        case .perGroup: key = group
        case .perHost: key = clientAddress
        default: key = nil
        }
        guard let key, !key.isEmpty else { return nil }
        return key
    }
}
