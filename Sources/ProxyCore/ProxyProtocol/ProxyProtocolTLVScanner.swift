/// Splits a byte range into TLV records (1-byte type, 2-byte big-endian
/// length, value). Used for the top-level TLVs and the SSL sub-TLVs; the
/// caller maps the two failure shapes to its own error cases.
struct ProxyProtocolTLVScanner {
    enum Failure: Error, Equatable {
        /// Fewer than 3 bytes left at `offset` for a type and length.
        case headerTruncated(offset: Int, remaining: Int)
        /// The declared length runs past the end of the range.
        case overrun(type: UInt8, offset: Int, declared: Int, available: Int)
    }

    /// `offsetBase` is added to reported offsets so errors point into the
    /// whole header, not into the slice.
    static func scan(_ bytes: ArraySlice<UInt8>, offsetBase: Int) -> Result<[ProxyProtocolTLV], Failure> {
        var records: [ProxyProtocolTLV] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let offset = offsetBase + (index - bytes.startIndex)
            let remaining = bytes.endIndex - index
            guard remaining >= 3 else {
                return .failure(.headerTruncated(offset: offset, remaining: remaining))
            }
            let type = bytes[index]
            let declared = Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            let valueStart = index + 3
            let available = bytes.endIndex - valueStart
            guard declared <= available else {
                return .failure(.overrun(type: type, offset: offset, declared: declared, available: available))
            }
            records.append(ProxyProtocolTLV(type: type, value: Array(bytes[valueStart..<(valueStart + declared)])))
            index = valueStart + declared
        }
        return .success(records)
    }
}
