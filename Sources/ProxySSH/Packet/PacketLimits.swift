/// Packet size rules. RFC 4253 section 6.1 makes every implementation take
/// packets of at least 35000 bytes; OpenSSH refuses packet_length over
/// 256 KiB, and so do we, which bounds what a peer can make us buffer.
public enum PacketLimits {
    public static let maxPacketLength = 256 * 1024
    public static let requiredPacketLength = 35000
    public static let minPadding = 4
    /// The largest payload we send in one packet (room for padding and length).
    public static let maxPayload = 32768 + 1024
}
