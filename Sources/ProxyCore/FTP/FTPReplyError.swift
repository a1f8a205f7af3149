/// Why a reply stream (or a reply being built) was refused.
public enum FTPReplyError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A line (without its line ending) exceeded the limit.
    case lineTooLong(limit: Int)
    /// A multi-line reply had more lines than the limit.
    case tooManyLines(limit: Int)
    /// A multi-line reply had more bytes (CRLFs included) than the limit.
    case replyTooLarge(limit: Int)
    /// The first line of a reply isn't three digits (100-599) plus ' ' or '-'.
    /// Carries the line, truncated and with control characters escaped.
    case invalidReplyLine(String)
    case invalidCode(Int)

    public var description: String {
        switch self {
        case .lineTooLong(let limit):
            return "FTP reply line longer than \(limit) bytes"
        case .tooManyLines(let limit):
            return "FTP multi-line reply has more than \(limit) lines"
        case .replyTooLarge(let limit):
            return "FTP multi-line reply is larger than \(limit) bytes"
        case .invalidReplyLine(let line):
            return "invalid FTP reply line '\(line)': expected a code 100-599 followed by ' ' or '-'"
        case .invalidCode(let code):
            return "invalid FTP reply code \(code): expected 100-599"
        }
    }
}
