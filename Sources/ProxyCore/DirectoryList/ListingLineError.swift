/// Why a LIST line could not be understood; the line is skipped and the
/// reason logged, the rest of the listing goes on.
public enum ListingLineError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLong(bytes: Int, limit: Int)
    /// A NUL or a CR inside the line: no file name holds one, and it would
    /// corrupt the MLSD line sent on.
    case forbiddenByte(UInt8)
    case unknownFileType(UInt8)
    case badPermissions
    /// No "month day time-or-year" with a size before it was found.
    case noDate
    case badOwnerFields(count: Int)
    case numberOutOfRange(String)
    case impossibleDate(String)
    case missingName
    case unknownFormat

    public var description: String {
        switch self {
        case .tooLong(let bytes, let limit): return "line of \(bytes) bytes exceeds the limit of \(limit)"
        case .forbiddenByte(let byte): return byte == 0 ? "NUL byte in line" : "CR inside line"
        case .unknownFileType(let byte): return "unknown file type '\(ConfigText.printable([byte]))'"
        case .badPermissions: return "malformed permissions (expected 9 of rwxsStT-)"
        case .noDate: return "no size followed by a date (month, day, time or year) found"
        case .badOwnerFields(let count): return "expected link count, owner and group before the size, found \(count) fields"
        case .numberOutOfRange(let what): return "\(what) out of range"
        case .impossibleDate(let text): return "impossible date '\(text)'"
        case .missingName: return "no file name"
        case .unknownFormat: return "neither a Unix (ls -l) nor a Windows (IIS) listing line"
        }
    }
}
