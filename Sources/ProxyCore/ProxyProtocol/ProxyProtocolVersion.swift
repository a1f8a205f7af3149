/// Which PROXY protocol header a receiver accepts (the ProxyProtocolVersion
/// directive: haproxyV1, haproxyV2, or `auto`, which tells v1 from v2 by
/// the header's signature).
public enum ProxyProtocolVersion: Equatable, Sendable {
    case v1
    case v2
    case auto

    func accepts(version: Int) -> Bool {
        switch self {
        case .v1: return version == 1
        case .v2: return version == 2
        case .auto: return version == 1 || version == 2
        }
    }

    /// "a PROXY protocol v1 header", for error messages.
    var expectation: String {
        switch self {
        case .v1: return "a PROXY protocol v1 header"
        case .v2: return "a PROXY protocol v2 header"
        case .auto: return "a PROXY protocol header (v1 or v2)"
        }
    }
}
