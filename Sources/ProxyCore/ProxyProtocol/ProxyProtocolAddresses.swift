/// The endpoints a PROXY header carries. IP addresses are raw network-order
/// bytes (4 for `.inet`, 16 for `.inet6`); unix paths are the raw path bytes
/// without the NUL padding.
public enum ProxyProtocolAddresses: Equatable, Sendable {
    case inet(source: [UInt8], sourcePort: UInt16, destination: [UInt8], destinationPort: UInt16)
    case inet6(source: [UInt8], sourcePort: UInt16, destination: [UInt8], destinationPort: UInt16)
    case unix(source: [UInt8], destination: [UInt8])
    /// v1 `UNKNOWN`, v2 AF_UNSPEC, or any v2 LOCAL command.
    case unspecified

    /// Size of the v2 address block for each family.
    static let inetBlockLength = 12
    static let inet6BlockLength = 36
    static let unixBlockLength = 216
    static let unixPathLength = 108

    /// The source as text: IP in inet_ntop form, or the unix path.
    public var sourceText: String? {
        switch self {
        case let .inet(source, _, _, _), let .inet6(source, _, _, _):
            return IPAddress(bytes: source)?.description
        case let .unix(source, _):
            return String(decoding: source, as: UTF8.self)
        case .unspecified:
            return nil
        }
    }

    /// The destination as text: IP in inet_ntop form, or the unix path.
    public var destinationText: String? {
        switch self {
        case let .inet(_, _, destination, _), let .inet6(_, _, destination, _):
            return IPAddress(bytes: destination)?.description
        case let .unix(_, destination):
            return String(decoding: destination, as: UTF8.self)
        case .unspecified:
            return nil
        }
    }

    public var sourcePort: UInt16? {
        switch self {
        case let .inet(_, port, _, _), let .inet6(_, port, _, _): return port
        case .unix, .unspecified: return nil
        }
    }

    public var destinationPort: UInt16? {
        switch self {
        case let .inet(_, _, _, port), let .inet6(_, _, _, port): return port
        case .unix, .unspecified: return nil
        }
    }
}
