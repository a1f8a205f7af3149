/// The positional fields of a v1 line after the protocol name, for errors.
public enum ProxyProtocolV1Field: String, Equatable, Sendable {
    case sourceAddress = "source address"
    case destinationAddress = "destination address"
    case sourcePort = "source port"
    case destinationPort = "destination port"
}
