/// Decodes a PROXY protocol header (v1 line or v2 binary) from the first
/// bytes of a connection, for a reader that must never consume a byte past
/// the header: those bytes belong to TLS, SSH or FTP.
///
/// Two ways to drive it:
///
/// 1. Exact reads: start with an empty buffer, read exactly `n` bytes each
///    time `decode` answers `.needMore(n)`, append, decode again. The count
///    never reaches past the end of a valid header. For v1 the end is only
///    known at the CRLF, so past the fixed prefix the count drops to 2 bytes
///    (1 after a CR).
/// 2. Peeking: MSG_PEEK up to `limits.maxHeaderLength` bytes (107 suffice
///    for v1), decode the peeked buffer, then consume exactly `consumed`
///    bytes. Trailing bytes in the buffer are never counted.
///
/// `decode` is a pure function of its input: feeding a header byte by byte
/// ends in the same result as decoding it whole, and a rejection is reported
/// as soon as the bytes so far can never become a valid header.
///
/// What a complete header means for the session:
/// - v1 `PROXY UNKNOWN ...`, v2 LOCAL (any family), v2 PROXY with AF_UNSPEC:
///   `addresses == .unspecified`, keep the real endpoints
///   (`ProxyProtocolHeader.carriesClientAddress` is false). The rest of a LOCAL or
///   AF_UNSPEC block is skipped unparsed, TLVs included.
/// - Otherwise use `addresses`; upstream treats IPv4-mapped IPv6 as IPv4
///   (see `IPAddress.unmapped`).
///
/// Deliberate differences from upstream mod_proxy_protocol 0.6.x:
/// - `.auto` accepts either version; upstream needs ProxyProtocolVersion.
/// - A LOCAL header's whole block is consumed (upstream stops reading after
///   the 16 fixed bytes, leaving the rest in the stream).
/// - The CRC32C TLV is verified; SSL sub-TLVs must fit their parent.
/// - v2 AF_UNIX may carry TLVs after its 216-byte block, as the spec allows
///   (upstream insists on a length of exactly 216).
/// - v1 lines may only hold printable ASCII, fields exactly one space apart,
///   ports in plain decimal (upstream's parser skips such checks).
/// - AWS (0xEA) and Azure (0xEE) values are read as the vendors document
///   them: a subtype byte followed by the data (see ProxyProtocolSessionNotes).
public enum ProxyProtocolHeaderDecoder {
    /// v1 lines are at most 107 bytes including CRLF.
    public static let v1MaxLineLength = 107
    /// v2: 12-byte signature, version/command, family, 16-bit length.
    public static let v2FixedLength = 16
    public static let v1Prefix: [UInt8] = Array("PROXY ".utf8)
    public static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// Bytes judged before deciding between v1, v2 and "not PROXY". Any valid
    /// header is longer (v1 at least 15 bytes, v2 at least 16).
    static let decisionLength = 6

    public static func decode(_ bytes: [UInt8], accepting: ProxyProtocolVersion,
                              limits: ProxyProtocolHeaderLimits = .default) -> ProxyProtocolDecodeStep {
        decode(bytes[...], accepting: accepting, limits: limits)
    }

    public static func decode(_ input: ArraySlice<UInt8>, accepting: ProxyProtocolVersion,
                              limits: ProxyProtocolHeaderLimits = .default) -> ProxyProtocolDecodeStep {
        // Only this many leading bytes can belong to a header; rebasing to
        // index 0 keeps the parsers' offsets equal to header offsets.
        let bytes = Array(input.prefix(limits.maxHeaderLength))
        guard bytes.count >= decisionLength else { return .needMore(decisionLength - bytes.count) }
        let opening = bytes[0..<decisionLength]
        if accepting != .v2, opening.elementsEqual(v1Prefix) {
            return ProxyProtocolV1LineParser.decode(bytes)
        }
        if accepting != .v1, opening.elementsEqual(v2Signature.prefix(decisionLength)) {
            return ProxyProtocolV2HeaderParser.decode(bytes, accepting: accepting, limits: limits)
        }
        return .invalid(.notProxyProtocol(prefix: Array(opening), expected: accepting,
                                          looksLike: ProxyProtocolForeignProtocol.sniff(opening)))
    }

    /// The error to report when the peer closed the connection (EOF) after
    /// sending `bytes`: the rejection if the bytes are already invalid, a
    /// recognised foreign protocol if the opening is too short to judge
    /// otherwise (e.g. "QUIT\r"), else `.truncated`. Nil if `bytes`
    /// already hold a complete header.
    public static func errorAtEndOfStream(_ bytes: [UInt8], accepting: ProxyProtocolVersion,
                                          limits: ProxyProtocolHeaderLimits = .default) -> ProxyProtocolError? {
        switch decode(bytes, accepting: accepting, limits: limits) {
        case .complete:
            return nil
        case let .invalid(error):
            return error
        case .needMore:
            if bytes.count < decisionLength, let foreign = ProxyProtocolForeignProtocol.sniff(bytes[...]) {
                return .notProxyProtocol(prefix: bytes, expected: accepting, looksLike: foreign)
            }
            return .truncated(received: bytes.count, expected: accepting)
        }
    }
}
