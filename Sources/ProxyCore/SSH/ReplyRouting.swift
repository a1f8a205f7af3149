/// Where a client's reply to a request goes: to the backend when the
/// backend asked (a relayed GLOBAL_REQUEST or CHANNEL_REQUEST with
/// want-reply), else to mod_sftp, whose own keepalives (SFTPClientAlive)
/// the client answers. Counters per kind, not a full match: replies come
/// in request order per kind (RFC 4254 sections 4 and 5.4).
public struct ReplyRouting: Equatable, Sendable {
    public private(set) var backendGlobalRequests = 0
    public private(set) var backendChannelRequests = 0

    public init() {}

    static let globalRequest: UInt8 = 80
    static let requestSuccess: UInt8 = 81
    static let requestFailure: UInt8 = 82
    static let channelRequest: UInt8 = 98
    static let channelSuccess: UInt8 = 99
    static let channelFailure: UInt8 = 100

    /// A backend packet on its way to the client: counts requests that want a reply.
    public mutating func backendSent(_ payload: [UInt8]) {
        guard let message = payload.first else { return }
        if message == Self.globalRequest, Self.wantsReply(payload, afterFixed: 1) == true {
            backendGlobalRequests += 1
        } else if message == Self.channelRequest, Self.wantsReply(payload, afterFixed: 5) == true {
            backendChannelRequests += 1
        }
    }

    /// A client packet: true when it answers the backend (and is counted off).
    public mutating func clientReplyGoesToBackend(_ payload: [UInt8]) -> Bool {
        switch payload.first {
        case Self.requestSuccess?, Self.requestFailure?:
            guard backendGlobalRequests > 0 else { return false }
            backendGlobalRequests -= 1
            return true
        case Self.channelSuccess?, Self.channelFailure?:
            guard backendChannelRequests > 0 else { return false }
            backendChannelRequests -= 1
            return true
        default:
            return true
        }
    }

    /// The want-reply boolean after `fixed` bytes and one string; nil when cut short.
    static func wantsReply(_ payload: [UInt8], afterFixed fixed: Int) -> Bool? {
        guard payload.count >= fixed + 4 else { return nil }
        let length = payload[fixed..<(fixed + 4)].reduce(0) { $0 << 8 | Int($1) }
        let flag = fixed + 4 + length
        guard length <= payload.count, flag < payload.count else { return nil }
        return payload[flag] != 0
    }
}
