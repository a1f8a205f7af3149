/// Connection-protocol message numbers (RFC 4254) the relay looks at, the
/// one header it reads from requests, and the uint32 fields it reads and
/// rewrites (channel numbers, windows, lengths).
public enum ConnectionMessage {
    public static let globalRequest: UInt8 = 80
    public static let requestSuccess: UInt8 = 81
    public static let requestFailure: UInt8 = 82
    public static let channelOpen: UInt8 = 90
    public static let channelOpenConfirmation: UInt8 = 91
    public static let channelOpenFailure: UInt8 = 92
    public static let channelWindowAdjust: UInt8 = 93
    public static let channelData: UInt8 = 94
    public static let channelExtendedData: UInt8 = 95
    public static let channelClose: UInt8 = 97
    public static let channelRequest: UInt8 = 98
    public static let channelSuccess: UInt8 = 99
    public static let channelFailure: UInt8 = 100

    /// A request's name and want-reply flag: after `fixed` bytes (1 for
    /// GLOBAL_REQUEST, 5 for CHANNEL_REQUEST's number and channel), a
    /// string and a boolean; nil when the payload is cut short.
    static func requestHeader(_ payload: [UInt8], afterFixed fixed: Int) -> (name: ArraySlice<UInt8>, wantReply: Bool)? {
        guard payload.count >= fixed + 4 else { return nil }
        guard let length = uint32(payload, at: fixed).map(Int.init) else { return nil }
        let flag = fixed + 4 + length
        guard length <= payload.count, flag < payload.count else { return nil }
        return (payload[(fixed + 4)..<flag], payload[flag] != 0)
    }

    /// The big-endian uint32 at `offset`; nil when the payload is cut short.
    static func uint32(_ payload: [UInt8], at offset: Int) -> UInt32? {
        guard offset >= 0, payload.count >= offset + 4 else { return nil }
        return payload[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Overwrites the uint32 at `offset` (the caller checked the size).
    static func setUInt32(_ payload: inout [UInt8], at offset: Int, _ value: UInt32) {
        for i in 0..<4 { payload[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * i)) }
    }
}
