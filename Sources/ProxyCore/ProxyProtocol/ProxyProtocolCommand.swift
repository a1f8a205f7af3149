/// The v2 command nibble. A v1 line is always `.proxy`.
public enum ProxyProtocolCommand: Equatable, Sendable {
    /// The connection was relayed on behalf of a client: use the addresses.
    case proxy
    /// The proxy opened the connection itself (e.g. a health check): keep the
    /// real endpoints; the protocol block is discarded.
    case local
}
