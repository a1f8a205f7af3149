/// The v2 transport protocol nibble (v1 TCP4/TCP6 lines are `.stream`,
/// `PROXY UNKNOWN` is `.unspecified`).
public enum ProxyProtocolTransport: Equatable, Sendable {
    case stream
    case dgram
    case unspecified

    var nibble: UInt8 {
        switch self {
        case .unspecified: return 0x0
        case .stream: return 0x1
        case .dgram: return 0x2
        }
    }
}
