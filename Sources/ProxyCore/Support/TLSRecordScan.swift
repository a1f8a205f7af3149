/// Reads TLS record framing (RFC 5246 6.2, RFC 8446 5.1) in bytes peeked
/// from a socket, to tell whether a TLS read would find a whole record or
/// wait for the rest of one.
public enum TLSRecordScan {
    public enum Result: Equatable, Sendable {
        /// A whole application_data (or alert) record is there, after only
        /// whole records: a TLS read returns without waiting for the network.
        case complete
        /// Nothing yet, or a record still arriving.
        case incomplete
        /// Not TLS framing: a TLS read fails at once (and ends the connection).
        case malformed
    }

    static let applicationData: UInt8 = 23
    static let alert: UInt8 = 21
    /// change_cipher_spec (20) to heartbeat (24).
    static let knownTypes: ClosedRange<UInt8> = 20...24
    /// 2^14 + 2048, the largest record TLS 1.2 allows (TLS 1.3's is smaller).
    public static let maxRecordLength = 16384 + 2048

    public static func scan<C: Collection>(_ bytes: C) -> Result where C.Element == UInt8, C.Index == Int {
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 5 {
            let type = bytes[offset]
            let major = bytes[offset + 1]
            let length = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            guard knownTypes.contains(type), major == 3, length <= maxRecordLength else { return .malformed }
            guard bytes.endIndex - offset - 5 >= length else { return .incomplete }
            // A TLS 1.3 alert travels as application_data too; a TLS 1.2 alert
            // ends the read (close_notify) or the connection.
            if type == applicationData || type == alert { return .complete }
            offset += 5 + length
        }
        return .incomplete
    }
}
