/// The blank-separated fields of a listing line, as index ranges into the
/// line, so the file name can be cut from the raw bytes (names keep their
/// spaces).
struct ListingTokens {
    let line: [UInt8]
    let ranges: [Range<Int>]

    init(_ line: [UInt8], from start: Int = 0) {
        self.line = line
        var ranges: [Range<Int>] = []
        var i = start
        while i < line.count {
            while i < line.count && ListingTokens.isBlank(line[i]) { i += 1 }
            let begin = i
            while i < line.count && !ListingTokens.isBlank(line[i]) { i += 1 }
            if i > begin { ranges.append(begin..<i) }
        }
        self.ranges = ranges
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    var count: Int { ranges.count }

    subscript(_ index: Int) -> ArraySlice<UInt8> { line[ranges[index]] }

    func text(_ index: Int) -> String { String(decoding: self[index], as: UTF8.self) }

    /// A run of 1...maxDigits decimal digits, else nil.
    func number(_ index: Int, maxDigits: Int = 20) -> UInt64? {
        ListingTokens.decimal(self[index], maxDigits: maxDigits)
    }

    static func decimal<C: Collection>(_ bytes: C, maxDigits: Int = 20) -> UInt64? where C.Element == UInt8 {
        guard !bytes.isEmpty, bytes.count <= maxDigits else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard ASCII.isDigit(byte) else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    /// True when the token is all digits but its value does not fit.
    func isOverflowingNumber(_ index: Int) -> Bool {
        let t = self[index]
        return !t.isEmpty && t.allSatisfy(ASCII.isDigit) && number(index, maxDigits: .max) == nil
    }
}
