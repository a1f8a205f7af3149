/// The outcome of one decode attempt over the bytes read so far.
public enum ProxyProtocolDecodeStep: Equatable, Sendable {
    /// Not enough bytes yet. The reader may read exactly this many more
    /// (always at least 1) without reading past the end of the header, then
    /// call decode again with everything read so far.
    case needMore(Int)
    /// A complete header occupying the first `consumed` bytes of the input;
    /// anything after belongs to the next protocol (TLS, SSH, FTP).
    case complete(ProxyProtocolHeader, consumed: Int)
    /// The input can never become a valid header.
    case invalid(ProxyProtocolError)
}
