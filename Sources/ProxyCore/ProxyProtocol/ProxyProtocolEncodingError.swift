/// Why a header could not be encoded (bad caller data, never peer data).
public enum ProxyProtocolEncodingError: Error, Equatable, CustomStringConvertible, Sendable {
    /// An IP address with the wrong number of bytes for its family.
    case addressLength(family: String, count: Int)
    /// A unix socket path longer than the 108 bytes v2 reserves for it.
    case unixPathTooLong(count: Int)
    /// A TLV (or SSL sub-TLV) value longer than 65535 bytes.
    case tlvValueTooLong(type: UInt8, count: Int)
    /// Addresses plus TLVs exceed the 16-bit v2 length field.
    case headerTooLong(payloadLength: Int)
    /// `addCRC32C` was requested but the TLVs already contain one.
    case crc32cAlreadyPresent

    public var description: String {
        switch self {
        case let .addressLength(family, count):
            return "\(family) address has \(count) byte(s), expected \(family == "IPv4" ? 4 : 16)"
        case let .unixPathTooLong(count):
            return "unix socket path has \(count) bytes, PROXY v2 allows at most 108"
        case let .tlvValueTooLong(type, count):
            return "TLV \(ProxyProtocolDiagnosticText.hexByte(type)) value has \(count) bytes, at most 65535 fit"
        case let .headerTooLong(payloadLength):
            return "PROXY v2 addresses and TLVs take \(payloadLength) bytes, at most 65535 fit"
        case .crc32cAlreadyPresent:
            return "a CRC32C TLV was supplied and addCRC32C was also requested"
        }
    }
}
