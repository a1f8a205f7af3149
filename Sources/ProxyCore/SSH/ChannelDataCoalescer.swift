/// Joins consecutive CHANNEL_DATA payloads for one channel into fewer,
/// larger ones on their way to the client (RFC 4254 section 5.2: a
/// receiver takes any split of the stream up to its maximum packet size).
///
/// Every packet mod_sftp writes costs it a fixed price beyond the bytes
/// (it clears a 512 KiB buffer, polls the socket, generates an event, one
/// writev), and a backend such as mod_sftp sends 16 KiB packets while an
/// OpenSSH client takes 32 KiB: joining them halves that price for a
/// download, and the client's own per-packet work too. Only payloads that
/// arrived together are joined (the caller flushes at the end of each
/// batch), so nothing waits for more input. Window accounting is per byte,
/// so joining changes nothing there.
public struct ChannelDataCoalescer: Sendable {
    /// The largest payload data built, whatever the receiver announces:
    /// mod_sftp's own packet buffer is 256 KiB.
    public static let dataCap = 64 * 1024

    /// The CHANNEL_DATA being built (message number, recipient, length, data).
    private var pending: [UInt8] = []
    private var pendingRecipient: UInt32 = 0

    public init() {}

    /// Takes the next payload for the receiver; returns the payloads to
    /// write now, in order. `maxPacket`: the receiver's maximum packet size
    /// for a channel (nil: unknown, its data is not joined).
    public mutating func add(_ payload: [UInt8], maxPacket: (_ channel: UInt32) -> UInt32?) -> [[UInt8]] {
        guard let data = Self.channelData(payload), let maxPacket = maxPacket(data.recipient) else {
            return flushed() + [payload]
        }
        let limit = min(Int(maxPacket), Self.dataCap)
        if !pending.isEmpty && data.recipient == pendingRecipient && pending.count - 9 + data.count <= limit {
            pending.append(contentsOf: payload[9...])
            Self.setLength(&pending, pending.count - 9)
            return []
        }
        let out = flushed()
        if data.count >= limit {
            return out + [payload]  // nothing can join it
        }
        pending.reserveCapacity(limit + 9)
        pending.append(contentsOf: payload)
        pendingRecipient = data.recipient
        return out
    }

    /// What is still held back (at the end of a batch, before anything else is written).
    public mutating func flush() -> [UInt8]? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    private mutating func flushed() -> [[UInt8]] {
        flush().map { [$0] } ?? []
    }

    /// A well-formed CHANNEL_DATA's recipient and data length; nil for any
    /// other payload, or one whose length field does not match its size
    /// exactly (passed on as it is, for the receiver to judge).
    private static func channelData(_ payload: [UInt8]) -> (recipient: UInt32, count: Int)? {
        guard payload.count >= 9, payload[0] == ConnectionMessage.channelData,
              let recipient = ConnectionMessage.uint32(payload, at: 1),
              let length = ConnectionMessage.uint32(payload, at: 5).map(Int.init),
              length == payload.count - 9 else { return nil }
        return (recipient, length)
    }

    private static func setLength(_ payload: inout [UInt8], _ length: Int) {
        ConnectionMessage.setUInt32(&payload, at: 5, UInt32(length))
    }
}
