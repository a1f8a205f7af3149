/// Per-channel flow control of the reverse SSH relay (RFC 4254 section 5.2).
///
/// Passing windows through unchanged lets a backend's huge window (mod_sftp
/// grants 4 GiB - 1) reach the client, which then reads megabytes ahead into
/// its own buffers and spends a core moving them. So the relay gives each
/// sender a window of its own, at most `bound`, and tops it up as it
/// forwards data, never beyond what the receiver still accepts: what a
/// sender may send is always within the receiver's window, so the relay
/// never needs to hold data back, and it never stalls while the receiver's
/// window is open. Channels it does not know (opened before it tracked
/// them, or past `maxChannels`) pass unchanged.
public struct ChannelWindows: Sendable {
    /// The two connections the relay joins.
    public enum Side: Sendable, Equatable, CustomStringConvertible {
        case client, backend
        public var other: Side { self == .client ? .backend : .client }
        public var description: String { self == .client ? "client" : "backend" }
    }

    /// What to do with one connection-layer payload.
    public struct Decision: Equatable, Sendable {
        /// Forward the (maybe rewritten) payload to the other side; false: the relay absorbed it.
        public var forward: Bool
        /// A WINDOW_ADJUST the relay sends of its own, and to whom.
        public var adjust: (to: Side, payload: [UInt8])?

        public static func == (a: Decision, b: Decision) -> Bool {
            a.forward == b.forward && a.adjust?.to == b.adjust?.to && a.adjust?.payload == b.adjust?.payload
        }
    }

    public struct Violation: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Credit for data flowing one way on one channel.
    struct Direction: Sendable, Equatable {
        /// What the receiver still accepts from the relay.
        var receiverWindow: UInt32
        /// What the relay lets the sender send (never above `receiverWindow`).
        var granted: UInt32
        /// The receiver's maximum packet size (0: not announced).
        var receiverMaxPacket: UInt32 = 0
    }

    struct Channel: Sendable, Equatable {
        var id: [Side: UInt32]
        /// Keyed by the side that sends the data.
        var from: [Side: Direction]
        var closedBy: Set<Side> = []
    }

    struct PendingOpen: Sendable, Equatable {
        let opener: Side
        let openerID: UInt32
        let openerWindow: UInt32
        let openerMaxPacket: UInt32
    }

    /// A few MiB: enough to keep a fast link busy across the relay, small
    /// enough that neither end buffers much ahead (OpenSSH's own session window is 2 MiB).
    public static let defaultBound: UInt32 = 4 << 20
    /// Open and pending channels tracked at most; more pass unchanged.
    public static let maxChannels = 1024

    public let bound: UInt32
    /// Keyed by the side whose number it is and that number.
    private var channels: [Side: [UInt32: Int]] = [.client: [:], .backend: [:]]
    private var table: [Int: Channel] = [:]
    private var nextKey = 0
    private var pending: [Side: [UInt32: PendingOpen]] = [.client: [:], .backend: [:]]

    public init(bound: UInt32 = ChannelWindows.defaultBound) {
        self.bound = max(bound, 1)
    }

    /// Channels open (both numbers known) and opens waiting for an answer.
    public var openChannels: Int { table.count }
    public var pendingOpens: Int { pending[.client]!.count + pending[.backend]!.count }

    /// A payload from `side` on its way to the other side: rewritten in
    /// place where a window is announced; absorbed when it is a
    /// WINDOW_ADJUST the relay accounts for itself.
    public mutating func pass(_ payload: inout [UInt8], from side: Side) throws -> Decision {
        guard let message = payload.first else { return Decision(forward: true) }
        switch message {
        case ConnectionMessage.channelOpen: return try open(&payload, from: side)
        case ConnectionMessage.channelOpenConfirmation: return try confirm(&payload, from: side)
        case ConnectionMessage.channelOpenFailure:
            let recipient = try Self.uint32(payload, at: 1, "CHANNEL_OPEN_FAILURE", from: side)
            pending[side.other]![recipient] = nil
            return Decision(forward: true)
        case ConnectionMessage.channelWindowAdjust: return try windowAdjust(payload, from: side)
        case ConnectionMessage.channelData, ConnectionMessage.channelExtendedData: return try data(payload, from: side)
        case ConnectionMessage.channelClose:
            let recipient = try Self.uint32(payload, at: 1, "CHANNEL_CLOSE", from: side)
            if let key = channels[side.other]![recipient] {
                table[key]!.closedBy.insert(side)
                if table[key]!.closedBy.count == 2 { forget(key) }
            }
            return Decision(forward: true)
        default:
            return Decision(forward: true)
        }
    }

    /// The maximum packet size `receiver` announced for its channel
    /// `channel` (its own number, the recipient of data sent to it); nil for
    /// a channel the relay does not track or whose open did not say.
    public func maxPacket(ofReceiver receiver: Side, channel: UInt32) -> UInt32? {
        guard let key = channels[receiver]![channel],
              let size = table[key]?.from[receiver.other]?.receiverMaxPacket, size > 0 else { return nil }
        return size
    }

    // MARK: - messages

    /// CHANNEL_OPEN: string type, uint32 sender channel, uint32 window, uint32 max packet.
    private mutating func open(_ payload: inout [UInt8], from side: Side) throws -> Decision {
        let typeLength = Int(try Self.uint32(payload, at: 1, "CHANNEL_OPEN", from: side))
        let idAt = 5 + typeLength
        let id = try Self.uint32(payload, at: idAt, "CHANNEL_OPEN", from: side)
        let window = try Self.uint32(payload, at: idAt + 4, "CHANNEL_OPEN", from: side)
        if channels[side]![id] != nil || pending[side]![id] != nil {
            throw Violation(description: "the \(side) opened channel \(id) again while it was still open")
        }
        guard openChannels + pendingOpens < Self.maxChannels else { return Decision(forward: true) }
        let maxPacket = (try? Self.uint32(payload, at: idAt + 8, "CHANNEL_OPEN", from: side)) ?? 0
        pending[side]![id] = PendingOpen(opener: side, openerID: id, openerWindow: window, openerMaxPacket: maxPacket)
        ConnectionMessage.setUInt32(&payload, at: idAt + 4, min(window, bound))
        return Decision(forward: true)
    }

    /// CHANNEL_OPEN_CONFIRMATION: uint32 recipient (the opener's number),
    /// uint32 sender (ours), uint32 window, uint32 max packet.
    private mutating func confirm(_ payload: inout [UInt8], from side: Side) throws -> Decision {
        let openerID = try Self.uint32(payload, at: 1, "CHANNEL_OPEN_CONFIRMATION", from: side)
        let id = try Self.uint32(payload, at: 5, "CHANNEL_OPEN_CONFIRMATION", from: side)
        let window = try Self.uint32(payload, at: 9, "CHANNEL_OPEN_CONFIRMATION", from: side)
        let maxPacket = (try? Self.uint32(payload, at: 13, "CHANNEL_OPEN_CONFIRMATION", from: side)) ?? 0
        guard let open = pending[side.other]![openerID] else { return Decision(forward: true) }
        pending[side.other]![openerID] = nil
        if channels[side]![id] != nil {
            throw Violation(description: "the \(side) confirmed channel \(openerID) with its number \(id), already in use")
        }
        let key = nextKey
        nextKey += 1
        table[key] = Channel(id: [open.opener: openerID, side: id],
                             from: [side: Direction(receiverWindow: open.openerWindow, granted: min(open.openerWindow, bound),
                                                    receiverMaxPacket: open.openerMaxPacket),
                                    open.opener: Direction(receiverWindow: window, granted: min(window, bound),
                                                           receiverMaxPacket: maxPacket)])
        channels[open.opener]![openerID] = key
        channels[side]![id] = key
        ConnectionMessage.setUInt32(&payload, at: 9, min(window, bound))
        return Decision(forward: true)
    }

    /// WINDOW_ADJUST: uint32 recipient, uint32 bytes to add. The receiver
    /// `side` accepts more; the relay passes credit on to the sender itself.
    private mutating func windowAdjust(_ payload: [UInt8], from side: Side) throws -> Decision {
        let recipient = try Self.uint32(payload, at: 1, "CHANNEL_WINDOW_ADJUST", from: side)
        let bytes = try Self.uint32(payload, at: 5, "CHANNEL_WINDOW_ADJUST", from: side)
        guard let key = channels[side.other]![recipient] else { return Decision(forward: true) }
        let sender = side.other
        // RFC 4254 caps a window at 2^32 - 1; a peer that overshoots gets the cap (as mod_sftp does).
        let window = table[key]!.from[sender]!.receiverWindow
        table[key]!.from[sender]!.receiverWindow = window &+ min(bytes, UInt32.max - window)
        return Decision(forward: false, adjust: topUp(key, sender: sender))
    }

    /// CHANNEL_DATA (uint32 recipient, string data) and CHANNEL_EXTENDED_DATA
    /// (uint32 recipient, uint32 code, string data) use up window.
    private mutating func data(_ payload: [UInt8], from side: Side) throws -> Decision {
        let name = payload[0] == ConnectionMessage.channelData ? "CHANNEL_DATA" : "CHANNEL_EXTENDED_DATA"
        let recipient = try Self.uint32(payload, at: 1, name, from: side)
        let lengthAt = payload[0] == ConnectionMessage.channelData ? 5 : 9
        let length = try Self.uint32(payload, at: lengthAt, name, from: side)
        guard Int(length) <= payload.count - lengthAt - 4 else { throw Self.malformed(name, from: side) }
        guard let key = channels[side.other]![recipient] else { return Decision(forward: true) }
        let credit = table[key]!.from[side]!
        guard length <= credit.granted else {
            throw Violation(description: "the \(side) sent \(length) bytes on channel \(recipient) beyond its window "
                            + "(\(credit.granted) bytes left)")
        }
        table[key]!.from[side]!.receiverWindow = credit.receiverWindow - min(length, credit.receiverWindow)
        table[key]!.from[side]!.granted = credit.granted - length
        return Decision(forward: true, adjust: topUp(key, sender: side))
    }

    /// A WINDOW_ADJUST for `sender` once half of what it may have is used
    /// (and whenever it has nothing left while the receiver has room).
    private mutating func topUp(_ key: Int, sender: Side) -> (to: Side, payload: [UInt8])? {
        let credit = table[key]!.from[sender]!
        let target = min(bound, credit.receiverWindow)
        guard target > credit.granted else { return nil }
        let missing = target - credit.granted
        guard missing >= max(target / 2, 1) else { return nil }
        table[key]!.from[sender]!.granted = target
        var payload = [ConnectionMessage.channelWindowAdjust, 0, 0, 0, 0, 0, 0, 0, 0]
        ConnectionMessage.setUInt32(&payload, at: 1, table[key]!.id[sender]!)
        ConnectionMessage.setUInt32(&payload, at: 5, missing)
        return (sender, payload)
    }

    private mutating func forget(_ key: Int) {
        guard let channel = table.removeValue(forKey: key) else { return }
        for (side, id) in channel.id { channels[side]![id] = nil }
    }

    // MARK: - bytes

    private static func uint32(_ payload: [UInt8], at offset: Int, _ name: String, from side: Side) throws -> UInt32 {
        guard let value = ConnectionMessage.uint32(payload, at: offset) else { throw malformed(name, from: side) }
        return value
    }

    private static func malformed(_ name: String, from side: Side) -> Violation {
        Violation(description: "the \(side) sent a \(name) message cut short")
    }
}
