/// Turns a backend's whole LIST output into MLSD lines
/// (ProxyDirectoryListPolicy LIST). Lines that can't be understood are
/// skipped and reported, never fatal: one odd entry must not cost the
/// client the whole listing.
public struct DirectoryListTranslator: Sendable {
    /// The most LIST output buffered for one translation (the caller's
    /// bound); beyond it the listing is refused, not truncated silently.
    public static let maximumListingBytes = 8 << 20
    /// ProFTPD's own longest LIST line is about 2 * PATH_MAX + 256.
    public static let maximumLineBytes = 8192
    /// Problems kept in detail (the rest are only counted), so a hostile
    /// listing of junk can't flood the log.
    public static let maximumReportedProblems = 20

    public struct Problem: Equatable, Sendable, CustomStringConvertible {
        /// 1-based line number in the backend's output.
        public let line: Int
        public let reason: ListingLineError
        /// The start of the line, printable.
        public let excerpt: String

        public var description: String { "line \(line): \(reason): '\(excerpt)'" }
    }

    public struct Result: Sendable {
        public var output: [UInt8] = []
        public var entries = 0
        /// The first `maximumReportedProblems` skipped lines.
        public var problems: [Problem] = []
        /// Every skipped line, reported or not.
        public var skipped = 0
    }

    public var writer: MLSDLineWriter
    /// Seconds since the epoch: dates the lines that show a time, not a year.
    public var now: Int64

    public init(writer: MLSDLineWriter, now: Int64) {
        self.writer = writer
        self.now = now
    }

    public func translate<C: Collection>(_ listing: C) -> Result where C.Element == UInt8, C.Index == Int {
        var result = Result()
        var lineNumber = 0
        var start = listing.startIndex
        while start < listing.endIndex {
            let newline = listing[start...].firstIndex(of: 0x0A) ?? listing.endIndex
            lineNumber += 1
            var end = newline
            if end > start && listing[end - 1] == 0x0D { end -= 1 }
            translateLine(listing[start..<end], number: lineNumber, into: &result)
            start = newline == listing.endIndex ? newline : newline + 1
        }
        return result
    }

    private func translateLine<C: Collection>(_ raw: C, number: Int, into result: inout Result)
        where C.Element == UInt8, C.Index == Int {
        func skip(_ reason: ListingLineError) {
            result.skipped += 1
            if result.problems.count < DirectoryListTranslator.maximumReportedProblems {
                result.problems.append(Problem(line: number, reason: reason, excerpt: ConfigText.printable(raw.prefix(100), limit: 100)))
            }
        }
        if raw.count > DirectoryListTranslator.maximumLineBytes {
            return skip(.tooLong(bytes: raw.count, limit: DirectoryListTranslator.maximumLineBytes))
        }
        if let bad = raw.first(where: { $0 == 0 || $0 == 0x0D }) { return skip(.forbiddenByte(bad)) }
        let line = Array(raw)
        if line.allSatisfy(ListingTokens.isBlank) || DirectoryListTranslator.isTotalLine(line) { return }
        do {
            let entry = ASCII.isDigit(line[0]) ? try WindowsListingLine.parse(line)
                                               : try UnixListingLine.parse(line, now: now)
            result.output += writer.line(for: entry)
            result.entries += 1
        } catch let error as ListingLineError {
            skip(error)
        } catch {
            skip(.unknownFormat)
        }
    }

    /// ls's "total 1234" (blocks) line.
    static func isTotalLine(_ line: [UInt8]) -> Bool {
        let tokens = ListingTokens(line)
        return tokens.count == 2 && Array(tokens[0]) == Array("total".utf8)
            && tokens[1].allSatisfy { ASCII.isDigit($0) || $0 == UInt8(ascii: ".") || ASCII.isAlpha($0) }
    }
}
