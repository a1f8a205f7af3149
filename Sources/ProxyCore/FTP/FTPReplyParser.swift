/// Incremental FTP reply parser: feed it bytes as they arrive, get back every
/// reply that is now complete. Accepts CRLF and bare LF line endings.
///
/// A multi-line reply starts with "ddd-" and ends at the first later line that
/// begins with the same "ddd " (RFC 959 4.2); lines in between may hold
/// anything, including other codes.
///
/// A reply is buffered whole before it is relayed, so a hostile backend must
/// not be able to make a session hold much: by default a line may have 8 KiB,
/// a multi-line reply 16384 lines and 1 MiB in all (CRLFs counted). That is
/// room for what real servers send (STAT of a directory with ~15000
/// entries, the longest legitimate multi-line reply) while a session never
/// holds more than about 2 MiB of reply text.
///
/// After an error the stream can't be resynchronised, so the parser stays
/// failed and every later `feed` throws the same error.
public struct FTPReplyParser: Sendable {
    public static let defaultMaxLineLength = 8192
    public static let defaultMaxLines = 16_384
    public static let defaultMaxReplyBytes = 1 << 20

    public let maxLineLength: Int
    public let maxLines: Int
    public let maxReplyBytes: Int

    private var currentLine: [UInt8] = []
    private var pendingLines: [[UInt8]] = []
    /// Wire size of `pendingLines` (each line plus CRLF).
    private var pendingBytes = 0
    private var pendingCode: Int?
    private var failure: FTPReplyError?

    public init(maxLineLength: Int = defaultMaxLineLength, maxLines: Int = defaultMaxLines,
                maxReplyBytes: Int = defaultMaxReplyBytes) {
        self.maxLineLength = max(maxLineLength, 4)
        self.maxLines = max(maxLines, 1)
        self.maxReplyBytes = max(maxReplyBytes, self.maxLineLength + 2)
    }

    /// The error that stopped the parser, if any (it stays failed).
    public var error: FTPReplyError? { failure }

    /// True while part of a reply has been received but not its end.
    public var hasPartialReply: Bool { !currentLine.isEmpty || !pendingLines.isEmpty }

    public mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> [FTPReply] {
        if let failure { throw failure }
        do {
            return try consume(bytes)
        } catch let error as FTPReplyError {
            failure = error
            throw error
        }
    }

    public mutating func feed(_ bytes: [UInt8]) throws -> [FTPReply] {
        try feed(bytes[...])
    }

    private mutating func consume(_ bytes: ArraySlice<UInt8>) throws -> [FTPReply] {
        var replies: [FTPReply] = []
        var rest = bytes
        while let newline = rest.firstIndex(of: 0x0A) {
            try append(rest[rest.startIndex..<newline])
            var line = currentLine
            currentLine = []
            if line.last == 0x0D { line.removeLast() }
            if let reply = try complete(line) { replies.append(reply) }
            rest = rest[(newline + 1)...]
        }
        try append(rest)
        return replies
    }

    /// Buffers part of a line, enforcing the length limit before the line ends
    /// (one extra byte allowed for a CR that will be stripped).
    private mutating func append(_ chunk: ArraySlice<UInt8>) throws {
        if currentLine.count + chunk.count > maxLineLength + 1 {
            throw FTPReplyError.lineTooLong(limit: maxLineLength)
        }
        currentLine.append(contentsOf: chunk)
    }

    private mutating func complete(_ line: [UInt8]) throws -> FTPReply? {
        if line.count > maxLineLength { throw FTPReplyError.lineTooLong(limit: maxLineLength) }

        guard let code = pendingCode else {
            // First line of a new reply.
            guard line.count >= 4, let code = Self.code(of: line),
                  line[3] == UInt8(ascii: " ") || line[3] == UInt8(ascii: "-") else {
                throw FTPReplyError.invalidReplyLine(ConfigText.printable(line, limit: 80))
            }
            if line[3] == UInt8(ascii: " ") { return FTPReply(code: code, lineBytes: [line]) }
            pendingCode = code
            pendingLines = [line]
            pendingBytes = line.count + 2
            return nil
        }

        if pendingLines.count >= maxLines { throw FTPReplyError.tooManyLines(limit: maxLines) }
        if pendingBytes + line.count + 2 > maxReplyBytes { throw FTPReplyError.replyTooLarge(limit: maxReplyBytes) }
        pendingLines.append(line)
        pendingBytes += line.count + 2
        if line.count >= 4, Self.code(of: line) == code, line[3] == UInt8(ascii: " ") {
            let reply = FTPReply(code: code, lineBytes: pendingLines)
            pendingLines = []
            pendingBytes = 0
            pendingCode = nil
            return reply
        }
        return nil
    }

    /// The reply code in the first three bytes, if they are 100-599.
    private static func code(of line: [UInt8]) -> Int? {
        guard line.count >= 3, (0x31...0x35).contains(line[0]),
              let value = ASCII.decimalValue(line[0..<3], limit: 599) else { return nil }
        return value
    }
}
