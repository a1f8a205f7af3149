/// Why a PROXY header was rejected. One case per reason; each description
/// names the offending value. Peer-supplied text is quoted and escaped.
public enum ProxyProtocolError: Error, Equatable, CustomStringConvertible, Sendable {
    // MARK: Framing (both versions)

    /// The peer closed the connection (EOF) after `received` bytes, before a
    /// complete header arrived.
    case truncated(received: Int, expected: ProxyProtocolVersion)
    /// The opening bytes are not a PROXY signature accepted here; `prefix`
    /// holds the bytes judged (6, or 12 for a broken v2 signature).
    case notProxyProtocol(prefix: [UInt8], expected: ProxyProtocolVersion, looksLike: ProxyProtocolForeignProtocol?)

    // MARK: v1 text line

    /// No CRLF within the first `limit` (107) bytes.
    case v1LineTooLong(limit: Int)
    /// A byte that may not appear in a v1 line (control, non-ASCII, bare CR or LF).
    case v1InvalidByte(UInt8, offset: Int)
    /// Fewer than the 6 space-separated fields ("PROXY", protocol, two
    /// addresses, two ports); `found` counts the fields present.
    case v1MissingFields(line: String, found: Int)
    /// More than 6 fields.
    case v1TooManyFields(line: String, found: Int)
    /// An empty field: a doubled, leading or trailing space at `offset`.
    case v1ExtraSpace(line: String, offset: Int)
    /// Protocol other than TCP4, TCP6 or UNKNOWN (case matters).
    case v1UnsupportedProtocol(String)
    /// Not an IP literal of any family (host names are not resolved).
    case v1InvalidAddress(field: ProxyProtocolV1Field, value: String)
    /// IPv6 literal with a "%zone" suffix.
    case v1ZonedAddress(field: ProxyProtocolV1Field, value: String)
    /// A TCP4 line with an IPv6 address, or a TCP6 line with an IPv4 one.
    case v1AddressFamilyMismatch(protocolName: String, field: ProxyProtocolV1Field, value: String)
    /// Port that is not plain decimal: sign, leading zero, empty, non-digit.
    case v1NonCanonicalPort(field: ProxyProtocolV1Field, value: String)
    /// Port 0 or above 65535 (upstream rejects 0 as well).
    case v1PortOutOfRange(field: ProxyProtocolV1Field, value: String)

    // MARK: v2 binary header

    /// Version nibble other than 2 (`byte` is the whole version/command byte).
    case v2UnsupportedVersion(UInt8)
    /// Command nibble other than LOCAL (0) or PROXY (1).
    case v2UnsupportedCommand(UInt8)
    /// Family/transport byte outside 0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32.
    case v2UnsupportedFamily(UInt8)
    /// Declared length above the configured limit.
    case v2PayloadTooLarge(length: Int, limit: Int)
    /// Declared length shorter than the family's address block.
    case v2AddressBlockTooShort(family: UInt8, length: Int, required: Int)
    /// Fewer than 3 bytes left for a TLV type and length.
    case tlvHeaderTruncated(offset: Int, remaining: Int)
    /// A TLV's declared length runs past the end of the header.
    case tlvOverrun(type: UInt8, offset: Int, declared: Int, available: Int)
    /// CRC32C TLV whose value is not exactly 4 bytes.
    case crc32cBadLength(Int)
    /// More than one CRC32C TLV.
    case crc32cDuplicate
    /// Checksum over the header (CRC field zeroed) differs from the TLV value.
    case crc32cMismatch(received: UInt32, computed: UInt32)
    /// SSL TLV shorter than its 5-byte client/verify prefix.
    case sslTLVTooShort(length: Int)
    /// Fewer than 3 bytes left for an SSL sub-TLV type and length (offset
    /// within the SSL value).
    case sslSubTLVHeaderTruncated(offset: Int, remaining: Int)
    /// An SSL sub-TLV runs past the end of the SSL TLV.
    case sslSubTLVOverrun(type: UInt8, offset: Int, declared: Int, available: Int)
    /// A top-level-only TLV (SSL, CRC32C) nested inside the SSL TLV.
    case sslSubTLVNotAllowed(type: UInt8)

    // MARK: Both versions

    /// Source and destination address/port are identical: impossible for a
    /// real connection, so the sender is lying (upstream rejects this too).
    case identicalEndpoints(address: String, port: UInt16)

    public var description: String {
        switch self {
        case let .truncated(received, expected):
            return "connection closed after \(received) byte(s), before \(expected.expectation) was complete"
        case let .notProxyProtocol(prefix, expected, looksLike):
            let got = looksLike.map { "what looks like \($0.summary)" } ?? "an unrecognised opening"
            return "expected \(expected.expectation), got \(got): first bytes "
                + "\(ProxyProtocolDiagnosticText.hex(prefix)) \(ProxyProtocolDiagnosticText.quoted(prefix))"
        case let .v1LineTooLong(limit):
            return "PROXY v1 line has no CRLF within \(limit) bytes"
        case let .v1InvalidByte(byte, offset):
            let what: String
            switch byte {
            case 0x0D: what = "bare CR not followed by LF"
            case 0x0A: what = "bare LF without CR"
            default: what = "non-printable byte"
            }
            return "PROXY v1 line: \(what) (\(ProxyProtocolDiagnosticText.hexByte(byte))) at offset \(offset)"
        case let .v1MissingFields(line, found):
            return "PROXY v1 line \(ProxyProtocolDiagnosticText.quoted(line)) has \(found) field(s), expected 6"
                + " (PROXY, protocol, source, destination, source port, destination port)"
        case let .v1TooManyFields(line, found):
            return "PROXY v1 line \(ProxyProtocolDiagnosticText.quoted(line)) has \(found) fields, expected 6"
        case let .v1ExtraSpace(line, offset):
            return "PROXY v1 line \(ProxyProtocolDiagnosticText.quoted(line)) has an extra space at offset \(offset)"
                + " (fields must be separated by exactly one space)"
        case let .v1UnsupportedProtocol(name):
            return "PROXY v1 protocol \(ProxyProtocolDiagnosticText.quoted(name)) is not TCP4, TCP6 or UNKNOWN"
        case let .v1InvalidAddress(field, value):
            return "PROXY v1 \(field.rawValue) \(ProxyProtocolDiagnosticText.quoted(value)) is not an IP address literal"
        case let .v1ZonedAddress(field, value):
            return "PROXY v1 \(field.rawValue) \(ProxyProtocolDiagnosticText.quoted(value)) carries an IPv6 zone, which is not allowed"
        case let .v1AddressFamilyMismatch(protocolName, field, value):
            let family = protocolName == "TCP4" ? "IPv4" : "IPv6"
            return "PROXY v1 \(protocolName) line has \(field.rawValue) \(ProxyProtocolDiagnosticText.quoted(value)),"
                + " expected an \(family) address"
        case let .v1NonCanonicalPort(field, value):
            return "PROXY v1 \(field.rawValue) \(ProxyProtocolDiagnosticText.quoted(value)) is not a plain decimal number"
                + " (no sign, no leading zero)"
        case let .v1PortOutOfRange(field, value):
            return "PROXY v1 \(field.rawValue) \(ProxyProtocolDiagnosticText.quoted(value)) is out of range 1-65535"
        case let .v2UnsupportedVersion(byte):
            return "PROXY v2 version/command byte \(ProxyProtocolDiagnosticText.hexByte(byte)) has version"
                + " \(byte >> 4), expected 2"
        case let .v2UnsupportedCommand(byte):
            return "PROXY v2 version/command byte \(ProxyProtocolDiagnosticText.hexByte(byte)) has command"
                + " \(byte & 0x0F), expected 0 (LOCAL) or 1 (PROXY)"
        case let .v2UnsupportedFamily(byte):
            return "PROXY v2 family/transport byte \(ProxyProtocolDiagnosticText.hexByte(byte)) is not one of"
                + " 0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32"
        case let .v2PayloadTooLarge(length, limit):
            return "PROXY v2 header declares \(length) bytes of addresses and TLVs, limit is \(limit)"
        case let .v2AddressBlockTooShort(family, length, required):
            return "PROXY v2 header declares \(length) bytes for family \(ProxyProtocolDiagnosticText.hexByte(family)),"
                + " which needs at least \(required)"
        case let .tlvHeaderTruncated(offset, remaining):
            return "PROXY v2 TLV at offset \(offset) is truncated: \(remaining) byte(s) left, a TLV header needs 3"
        case let .tlvOverrun(type, offset, declared, available):
            return "PROXY v2 TLV \(ProxyProtocolDiagnosticText.hexByte(type)) at offset \(offset) declares \(declared)"
                + " bytes, only \(available) remain in the header"
        case let .crc32cBadLength(length):
            return "PROXY v2 CRC32C TLV has \(length) byte(s), expected 4"
        case .crc32cDuplicate:
            return "PROXY v2 header carries more than one CRC32C TLV"
        case let .crc32cMismatch(received, computed):
            return "PROXY v2 CRC32C mismatch: header says \(hex32(received)), computed \(hex32(computed))"
        case let .sslTLVTooShort(length):
            return "PROXY v2 SSL TLV has \(length) byte(s), needs at least 5 (client flags and verify result)"
        case let .sslSubTLVHeaderTruncated(offset, remaining):
            return "PROXY v2 SSL sub-TLV at offset \(offset) of the SSL value is truncated: \(remaining) byte(s)"
                + " left, a sub-TLV header needs 3"
        case let .sslSubTLVOverrun(type, offset, declared, available):
            return "PROXY v2 SSL sub-TLV \(ProxyProtocolDiagnosticText.hexByte(type)) at offset \(offset) of the SSL value"
                + " declares \(declared) bytes, only \(available) remain in the SSL TLV"
        case let .sslSubTLVNotAllowed(type):
            return "PROXY v2 SSL TLV contains TLV \(ProxyProtocolDiagnosticText.hexByte(type)), which is only valid at top level"
        case let .identicalEndpoints(address, port):
            return "PROXY header source and destination are identical (\(address) port \(port))"
        }
    }

    private func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
