/// One complete FTP reply (RFC 959 section 4.2), single- or multi-line.
///
/// The raw line bytes are kept exactly as received (minus the line endings) so
/// a relayed reply is byte-identical, even when it is not valid UTF-8.
public struct FTPReply: Equatable, Sendable {
    /// 100...599.
    public let code: Int
    /// Each line as received, including the "ddd-"/"ddd " prefixes, without CRLF.
    public let lineBytes: [[UInt8]]

    /// The lines as text (invalid UTF-8 shown as U+FFFD).
    public var lines: [String] { lineBytes.map { String(decoding: $0, as: UTF8.self) } }

    public var isMultiline: Bool { lineBytes.count > 1 }

    /// 1xx preliminary, 2xx completion, 3xx intermediate, 4xx/5xx failures.
    public var isPositivePreliminary: Bool { code / 100 == 1 }
    public var isPositiveCompletion: Bool { code / 100 == 2 }
    public var isPositiveIntermediate: Bool { code / 100 == 3 }
    public var isTransientNegative: Bool { code / 100 == 4 }
    public var isPermanentNegative: Bool { code / 100 == 5 }

    /// The message text of each line, without the code prefix on the first
    /// and last lines (middle lines are returned as sent).
    public var messageLines: [String] {
        lineBytes.enumerated().map { index, line in
            let isEdge = index == 0 || index == lineBytes.count - 1
            if isEdge, line.count >= 4 { return String(decoding: line.dropFirst(4), as: UTF8.self) }
            if isEdge, line.count == 3 { return "" }
            return String(decoding: line, as: UTF8.self)
        }
    }

    /// The reply as sent on the wire: every line followed by CRLF.
    public func wireBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lineBytes.reduce(0) { $0 + $1.count + 2 })
        for line in lineBytes {
            out.append(contentsOf: line)
            out.append(0x0D)
            out.append(0x0A)
        }
        return out
    }

    /// A reply received from the network (already validated by the parser).
    init(code: Int, lineBytes: [[UInt8]]) {
        self.code = code
        self.lineBytes = lineBytes
    }

    /// Builds a well-formed reply from message text: one line gives
    /// "ddd text"; several give "ddd-first" ... " middle" ... "ddd last".
    /// CR and LF inside messages are replaced by spaces so a message can't
    /// smuggle extra replies or commands.
    public init(code: Int, messages: [String]) throws {
        guard (100...599).contains(code) else { throw FTPReplyError.invalidCode(code) }
        let texts = (messages.isEmpty ? [""] : messages).map { text in
            Array(text.utf8).map { $0 == 0x0D || $0 == 0x0A || $0 == 0 ? UInt8(ascii: " ") : $0 }
        }
        let digits = Array(String(code).utf8)
        var lines: [[UInt8]] = []
        for (index, text) in texts.enumerated() {
            let isFirst = index == 0, isLast = index == texts.count - 1
            if isLast {
                lines.append(digits + [UInt8(ascii: " ")] + text)
            } else if isFirst {
                lines.append(digits + [UInt8(ascii: "-")] + text)
            } else {
                // A middle line must not look like the terminating line.
                let needsIndent = text.starts(with: digits + [UInt8(ascii: " ")])
                lines.append(needsIndent ? [UInt8(ascii: " ")] + text : text)
            }
        }
        self.init(code: code, lineBytes: lines)
    }

    public init(code: Int, message: String) throws {
        try self.init(code: code, messages: [message])
    }
}
