/// Where a reply to a request goes. A client's: to the backend when the
/// backend asked (a relayed GLOBAL_REQUEST or CHANNEL_REQUEST with
/// want-reply), else to mod_sftp, whose own keepalives (SFTPClientAlive)
/// the client answers. A backend's REQUEST_SUCCESS/FAILURE: to the proxy
/// when it answers our keepalive (ProxySFTPServerAlive), else to the
/// client. Replies come in request order (RFC 4254 section 4), so the
/// global requests sent to the backend are a queue of who asked, and so are
/// those sent to the client (the backend's, and the relay's SFTPClientAlive
/// probes, sent on mod_sftp's behalf while the relay waits).
public struct ReplyRouting: Equatable, Sendable {
    public private(set) var backendGlobalRequests = 0
    public private(set) var backendChannelRequests = 0
    /// For each of the relay's probes to the client, unanswered: how many of
    /// the backend's global requests the client answers before it.
    private var probesAfterBackendRequests: [Int] = []
    /// Global requests with want-reply sent to the backend, oldest first: true = the proxy's keepalive.
    private var askedOfBackend: [Bool] = []
    /// At most this many of the proxy's keepalives wait for an answer.
    public static let maxPendingKeepalives = 1024

    public init() {}

    /// A backend packet on its way to the client: counts requests that want a reply.
    public mutating func backendSent(_ payload: [UInt8]) {
        guard let message = payload.first else { return }
        if message == ConnectionMessage.globalRequest, Self.wantsReply(payload, afterFixed: 1) == true {
            backendGlobalRequests += 1
        } else if message == ConnectionMessage.channelRequest, Self.wantsReply(payload, afterFixed: 5) == true {
            backendChannelRequests += 1
        }
    }

    /// Who a client packet is for.
    public enum ClientPacketDestination: Equatable, Sendable {
        case backend
        /// The answer to the relay's SFTPClientAlive probe.
        case relayProbe
        /// mod_sftp's own (an answer nobody here asked for).
        case modSFTP
    }

    /// The relay sent the client a global request (want-reply) of its own.
    public mutating func relayProbeSent() {
        probesAfterBackendRequests.append(backendGlobalRequests)
    }

    /// The relay's probes the client has not answered yet.
    public var pendingRelayProbes: Int { probesAfterBackendRequests.count }

    /// Where a client packet goes (a reply is counted off).
    public mutating func clientPacketDestination(_ payload: [UInt8]) -> ClientPacketDestination {
        switch payload.first {
        case ConnectionMessage.requestSuccess?, ConnectionMessage.requestFailure?:
            if probesAfterBackendRequests.first == 0 {
                probesAfterBackendRequests.removeFirst()
                return .relayProbe
            }
            guard backendGlobalRequests > 0 else { return .modSFTP }
            backendGlobalRequests -= 1
            probesAfterBackendRequests = probesAfterBackendRequests.map { $0 - 1 }
            return .backend
        default:
            return clientReplyGoesToBackend(payload) ? .backend : .modSFTP
        }
    }

    /// A client packet: true when it answers the backend (and is counted off).
    public mutating func clientReplyGoesToBackend(_ payload: [UInt8]) -> Bool {
        switch payload.first {
        case ConnectionMessage.requestSuccess?, ConnectionMessage.requestFailure?:
            return clientPacketDestination(payload) == .backend
        case ConnectionMessage.channelSuccess?, ConnectionMessage.channelFailure?:
            guard backendChannelRequests > 0 else { return false }
            backendChannelRequests -= 1
            return true
        default:
            return true
        }
    }

    /// A client packet the relay sends to the backend.
    public mutating func clientSent(_ payload: [UInt8]) {
        if payload.first == ConnectionMessage.globalRequest, Self.wantsReply(payload, afterFixed: 1) == true {
            askedOfBackend.append(false)
        }
    }

    /// The proxy's own keepalive (want-reply) went to the backend.
    public mutating func proxyKeepaliveSent() {
        askedOfBackend.append(true)
    }

    /// The proxy's keepalives still unanswered.
    public var pendingKeepalives: Int { askedOfBackend.filter { $0 }.count }

    /// A backend REQUEST_SUCCESS/FAILURE: true when it answers the proxy's keepalive (not for the client).
    public mutating func backendReplyIsTheProxys(_ payload: [UInt8]) -> Bool {
        guard payload.first == ConnectionMessage.requestSuccess || payload.first == ConnectionMessage.requestFailure,
              !askedOfBackend.isEmpty else { return false }
        return askedOfBackend.removeFirst()
    }

    private static func wantsReply(_ payload: [UInt8], afterFixed fixed: Int) -> Bool? {
        ConnectionMessage.requestHeader(payload, afterFixed: fixed)?.wantReply
    }
}
