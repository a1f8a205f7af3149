/// Receiver limits on untrusted headers.
///
/// A v1 line is capped by the protocol at 107 bytes including CRLF. A v2
/// header may declare up to 65535 bytes of addresses and TLVs; real senders
/// (HAProxy, AWS NLB, Azure) stay far below 1 KiB even with SSL and unique-ID
/// TLVs, so by default the declared length may not exceed 4096 bytes. That
/// bounds what a reader buffers for one header to 16 + 4096 bytes.
public struct ProxyProtocolHeaderLimits: Equatable, Sendable {
    /// Maximum v2 length field (addresses + TLVs), clamped to 216...65535 so a
    /// unix address block always fits.
    public var maxV2PayloadLength: Int

    public init(maxV2PayloadLength: Int = 4096) {
        self.maxV2PayloadLength = min(max(maxV2PayloadLength, ProxyProtocolAddresses.unixBlockLength), Int(UInt16.max))
    }

    public static let `default` = ProxyProtocolHeaderLimits()

    /// The largest header this configuration can accept, in bytes.
    public var maxHeaderLength: Int {
        max(ProxyProtocolHeaderDecoder.v1MaxLineLength, ProxyProtocolHeaderDecoder.v2FixedLength + maxV2PayloadLength)
    }
}
