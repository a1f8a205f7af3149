/// One line of a Windows (IIS, "MS-DOS" style) listing:
///
///     12-04-25  05:35PM       <DIR>          sub dir
///     12-04-25  05:35PM                 1234 a file.txt
///
/// Also 4-digit years and 24-hour times without AM/PM. The time is taken
/// as UTC (the listing carries no zone). Windows listings have no modes or
/// owners, so those facts are left out.
public enum WindowsListingLine {
    public static func parse(_ line: [UInt8]) throws -> ListingEntry {
        let tokens = ListingTokens(line)
        guard tokens.count >= 4 else {
            throw tokens.count >= 1 && looksLikeDate(tokens[0]) ? ListingLineError.missingName : ListingLineError.unknownFormat
        }
        guard let (month, day, year) = dateParts(tokens[0]) else { throw ListingLineError.unknownFormat }
        guard let time = timeParts(tokens[1]) else {
            throw ListingLineError.impossibleDate("\(tokens.text(0)) \(tokens.text(1))")
        }
        var hour = time.0, meridiem = time.2
        let minute = time.1
        var next = 2
        if meridiem == nil, let separate = meridiemValue(tokens[2]) {   // "05:35 PM"
            meridiem = separate
            next = 3
        }
        if let pm = meridiem {
            guard (1...12).contains(hour) else { throw ListingLineError.impossibleDate("\(tokens.text(0)) \(tokens.text(1))") }
            hour = hour % 12 + (pm ? 12 : 0)
        }
        guard let modified = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute) else {
            throw ListingLineError.impossibleDate("\(tokens.text(0)) \(tokens.text(1))")
        }
        guard next < tokens.count else { throw ListingLineError.missingName }
        let field = tokens.ranges[next]
        let kind: ListingEntry.Kind
        var size: UInt64?
        var nameStart: Int
        if Array(tokens[next]).map(ASCII.lowercased) == Array("<dir>".utf8) {
            kind = .directory
            // IIS pads "<DIR>" with 10 spaces; keep any further leading spaces of the name.
            let padded = field.upperBound + 10
            if padded < line.count, line[field.upperBound..<padded].allSatisfy({ $0 == 0x20 }) {
                nameStart = padded
            } else {
                nameStart = field.upperBound
                while nameStart < line.count && ListingTokens.isBlank(line[nameStart]) { nameStart += 1 }
            }
        } else if let value = tokens.number(next) {
            kind = .file
            size = value
            nameStart = field.upperBound + 1
        } else {
            throw tokens.isOverflowingNumber(next) ? ListingLineError.numberOutOfRange("size") : ListingLineError.unknownFormat
        }
        guard nameStart < line.count else { throw ListingLineError.missingName }
        let name = Array(line[nameStart...])
        guard !name.allSatisfy(ListingTokens.isBlank) else { throw ListingLineError.missingName }
        return ListingEntry(name: name, kind: kind, size: size, modified: modified)
    }

    static func looksLikeDate(_ token: ArraySlice<UInt8>) -> Bool {
        token.first.map(ASCII.isDigit) == true && token.contains(UInt8(ascii: "-"))
    }

    /// "MM-DD-YY" or "MM-DD-YYYY"; two-digit years as strptime's %y
    /// (69-99: 1900s, 00-68: 2000s). Existence is checked later.
    static func dateParts(_ token: ArraySlice<UInt8>) -> (Int, Int, Int)? {
        let parts = token.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 2, parts[1].count == 2,
              parts[2].count == 2 || parts[2].count == 4,
              let m = ListingTokens.decimal(parts[0]), let d = ListingTokens.decimal(parts[1]),
              let y = ListingTokens.decimal(parts[2]) else { return nil }
        var year = Int(y)
        if parts[2].count == 2 { year += year >= 69 ? 1900 : 2000 }
        return (Int(m), Int(d), year)
    }

    /// "05:35PM", "5:35am" or "17:35"; the meridiem is nil for 24-hour times.
    static func timeParts(_ token: ArraySlice<UInt8>) -> (Int, Int, Bool?)? {
        var digits = token
        var meridiem: Bool?
        if token.count > 2, let value = meridiemValue(token.suffix(2)) {
            meridiem = value
            digits = token.dropLast(2)
        }
        guard let colon = digits.firstIndex(of: UInt8(ascii: ":")),
              let h = ListingTokens.decimal(digits[digits.startIndex..<colon], maxDigits: 2),
              digits[(colon + 1)...].count == 2,
              let m = ListingTokens.decimal(digits[(colon + 1)...], maxDigits: 2) else { return nil }
        return (Int(h), Int(m), meridiem)
    }

    /// true for PM, false for AM, nil otherwise.
    static func meridiemValue(_ token: ArraySlice<UInt8>) -> Bool? {
        let lower = token.map(ASCII.lowercased)
        if lower == Array("am".utf8) { return false }
        if lower == Array("pm".utf8) { return true }
        return nil
    }
}
