/// What the transport asks its caller to do or tells it, in order.
public enum TransportEvent {
    /// Bytes to write to the server's socket, in this order.
    case send([UInt8])
    /// The server's host key (first exchange only), verified to have signed
    /// the exchange hash. The transport then waits: the caller checks it is
    /// the expected key (ProxySFTPVerifyServer, a known-hosts record) and
    /// calls `acceptHostKey()` to go on, or `disconnect` to refuse it.
    case hostKey(ServerHostKey)
    /// The first key exchange is done: queued and later payloads go out encrypted.
    case established(NegotiatedAlgorithms)
    /// A later key exchange (either side's) is done.
    case rekeyed(NegotiatedAlgorithms)
    /// The server's SSH_MSG_EXT_INFO (RFC 8308).
    case extInfo(ExtInfo)
    /// A payload for the layers above (service accept, userauth, connection).
    case packet([UInt8])
    /// The transport is finished: the server disconnected, or we did
    /// because of what it sent (a DISCONNECT for it is in a `.send` before this).
    case disconnect(DisconnectReason)
}

/// Why the transport ended, with the RFC 4253 section 11.1 reason code.
public struct DisconnectReason: Equatable, CustomStringConvertible {
    public static let protocolError: UInt32 = 2
    public static let keyExchangeFailed: UInt32 = 3
    public static let macError: UInt32 = 5
    public static let compressionError: UInt32 = 6
    public static let hostKeyNotVerifiable: UInt32 = 9
    public static let byApplication: UInt32 = 11

    public let code: UInt32
    public let message: String
    /// True when the server sent SSH_MSG_DISCONNECT.
    public let fromServer: Bool

    public var description: String {
        (fromServer ? "server disconnected" : "disconnected") + " (reason \(code)): \(message)"
    }
}
