/// One line of a Unix `ls -l` listing (ProFTPD, vsftpd, Pure-FTPd, ...):
///
///     drwxr-xr-x   2 alice    nogroup      4096 Dec  4 17:37 sub dir
///     -rw-r--r--   1 0        0               5 Jan  1  2010 a file.txt
///     lrwxrwxrwx   1 0        0              10 Dec  4 17:37 link -> target
///     crw-rw-rw-   1 root     root       1,   3 Dec  4 17:37 null
///
/// Fields are found by shape, not by column: the date is the first "month
/// day time-or-year" preceded by a size (or a device's "major, minor"), so
/// wide columns and missing groups do not matter, and the name is
/// everything after the single space that follows the date.
public enum UnixListingLine {
    static let months: [[UInt8]] = ["jan", "feb", "mar", "apr", "may", "jun",
                                    "jul", "aug", "sep", "oct", "nov", "dec"].map { Array($0.utf8) }

    /// `now` (seconds since the epoch) dates the lines that show a time instead of a year.
    public static func parse(_ line: [UInt8], now: Int64) throws -> ListingEntry {
        guard let typeByte = line.first else { throw ListingLineError.unknownFormat }
        let kind = try fileKind(typeByte)
        guard line.count >= 11 else { throw ListingLineError.badPermissions }
        guard let mode = permissionBits(line[1...9]) else { throw ListingLineError.badPermissions }
        // ACL ('+'), SELinux context ('.') or extended attribute ('@') markers.
        var fieldsStart = 10
        if line[10] == UInt8(ascii: "+") || line[10] == UInt8(ascii: ".") || line[10] == UInt8(ascii: "@") {
            fieldsStart = 11
        }
        guard fieldsStart < line.count, ListingTokens.isBlank(line[fieldsStart]) else {
            throw ListingLineError.badPermissions
        }
        let tokens = ListingTokens(line, from: fieldsStart)
        let found = try locateDate(tokens, now: now)

        var nameStart = tokens.ranges[found.dateIndex + 2].upperBound + 1
        if nameStart > line.count { nameStart = line.count }
        var name = Array(line[nameStart...])
        guard !name.isEmpty, !name.allSatisfy(ListingTokens.isBlank) else { throw ListingLineError.missingName }

        var entryKind = kind
        if case .symlink = kind {
            // "name -> target"; a name holding " -> " itself is ambiguous in
            // ls output, and the first arrow is taken.
            if let arrow = firstArrow(in: name) {
                let target = Array(name[(arrow + 4)...])
                name = Array(name[..<arrow])
                guard !name.isEmpty else { throw ListingLineError.missingName }
                entryKind = .symlink(target: target.isEmpty ? nil : target)
            }
        }

        let header = Array(0..<found.sizeIndex)
        let (owner, group) = try principals(tokens, header)
        return ListingEntry(name: name, kind: entryKind, mode: mode,
                            size: entryKind == .file || isSymlink(entryKind) ? found.size : nil,
                            modified: found.modified, owner: owner, group: group)
    }

    private static func isSymlink(_ kind: ListingEntry.Kind) -> Bool {
        if case .symlink = kind { return true }
        return false
    }

    static func fileKind(_ byte: UInt8) throws -> ListingEntry.Kind {
        switch byte {
        case UInt8(ascii: "-"): return .file
        case UInt8(ascii: "d"): return .directory
        case UInt8(ascii: "l"): return .symlink(target: nil)
        case UInt8(ascii: "p"): return .pipe
        case UInt8(ascii: "s"): return .socket
        case UInt8(ascii: "c"): return .characterDevice
        case UInt8(ascii: "b"): return .blockDevice
        case UInt8(ascii: "D"): return .door
        default: throw ListingLineError.unknownFileType(byte)
        }
    }

    /// "rwxr-x--x" and the setuid/setgid/sticky letters, as mode bits.
    static func permissionBits(_ text: ArraySlice<UInt8>) -> UInt16? {
        let p = Array(text)
        guard p.count == 9 else { return nil }
        var mode: UInt16 = 0
        // Per class: read bit, write bit, execute bit, and the special bit
        // its execute letter may carry (s/S for user and group, t/T for others).
        let classes: [(shift: UInt16, special: UInt16, letter: UInt8)] = [
            (6, 0o4000, UInt8(ascii: "s")), (3, 0o2000, UInt8(ascii: "s")), (0, 0o1000, UInt8(ascii: "t")),
        ]
        for (i, c) in classes.enumerated() {
            let r = p[i * 3], w = p[i * 3 + 1], x = p[i * 3 + 2]
            switch r {
            case UInt8(ascii: "r"): mode |= 4 << c.shift
            case UInt8(ascii: "-"): break
            default: return nil
            }
            switch w {
            case UInt8(ascii: "w"): mode |= 2 << c.shift
            case UInt8(ascii: "-"): break
            default: return nil
            }
            switch x {
            case UInt8(ascii: "x"): mode |= 1 << c.shift
            case UInt8(ascii: "-"): break
            case c.letter: mode |= (1 << c.shift) | c.special
            case c.letter - 0x20: mode |= c.special     // upper case: special bit without x
            default: return nil
            }
        }
        return mode
    }

    struct DatePosition {
        let dateIndex: Int
        /// The first token of the size (or of the device numbers).
        let sizeIndex: Int
        let size: UInt64?
        let modified: CivilTime
    }

    static func locateDate(_ tokens: ListingTokens, now: Int64) throws -> DatePosition {
        var overflowing = false
        var impossible: String?
        // At least one field (link count or owner) and the size come first.
        var index = 2
        while index + 2 < tokens.count {
            defer { index += 1 }
            guard let month = monthNumber(tokens[index]),
                  let day = tokens.number(index + 1, maxDigits: 2) else { continue }
            let third = tokens[index + 2]
            guard isTimeOrYear(third) else { continue }
            // What precedes the date: a size, or a device's "major, minor".
            var sizeIndex = index - 1
            var size: UInt64?
            if let value = tokens.number(index - 1) {
                size = value
                if index >= 2, isDeviceMajor(tokens[index - 2]) {
                    sizeIndex = index - 2
                    size = nil
                }
            } else if isDevicePair(tokens[index - 1]) {
                size = nil
            } else {
                if tokens.isOverflowingNumber(index - 1) { overflowing = true }
                continue
            }
            let dateText = "\(tokens.text(index)) \(tokens.text(index + 1)) \(tokens.text(index + 2))"
            guard let modified = date(month: month, day: Int(day), timeOrYear: third, now: now) else {
                impossible = impossible ?? dateText
                continue
            }
            return DatePosition(dateIndex: index, sizeIndex: sizeIndex, size: size, modified: modified)
        }
        if overflowing { throw ListingLineError.numberOutOfRange("size") }
        if let impossible { throw ListingLineError.impossibleDate(impossible) }
        throw ListingLineError.noDate
    }

    static func monthNumber(_ token: ArraySlice<UInt8>) -> Int? {
        guard token.count == 3 else { return nil }
        let lower = token.map(ASCII.lowercased)
        return months.firstIndex(of: lower).map { $0 + 1 }
    }

    /// "17:37", "7:05" or "2010".
    static func isTimeOrYear(_ token: ArraySlice<UInt8>) -> Bool {
        if token.count == 4, token.allSatisfy(ASCII.isDigit) { return true }
        guard let colon = token.firstIndex(of: UInt8(ascii: ":")) else { return false }
        let h = token[token.startIndex..<colon], m = token[(colon + 1)...]
        return (1...2).contains(h.count) && m.count == 2
            && h.allSatisfy(ASCII.isDigit) && m.allSatisfy(ASCII.isDigit)
    }

    static func date(month: Int, day: Int, timeOrYear token: ArraySlice<UInt8>, now: Int64) -> CivilTime? {
        if let colon = token.firstIndex(of: UInt8(ascii: ":")) {
            guard let h = ListingTokens.decimal(token[token.startIndex..<colon]),
                  let m = ListingTokens.decimal(token[(colon + 1)...]), h <= 23, m <= 59 else { return nil }
            return CivilTime.recent(month: month, day: day, hour: Int(h), minute: Int(m), now: now)
        }
        guard let year = ListingTokens.decimal(token) else { return nil }
        return CivilTime(year: Int(year), month: month, day: day)
    }

    /// "1," (the major number of "1, 3").
    static func isDeviceMajor(_ token: ArraySlice<UInt8>) -> Bool {
        token.count >= 2 && token.last == UInt8(ascii: ",")
            && ListingTokens.decimal(token.dropLast(), maxDigits: 10) != nil
    }

    /// "1,3" written as one field.
    static func isDevicePair(_ token: ArraySlice<UInt8>) -> Bool {
        guard let comma = token.firstIndex(of: UInt8(ascii: ",")) else { return false }
        return ListingTokens.decimal(token[token.startIndex..<comma], maxDigits: 10) != nil
            && ListingTokens.decimal(token[(comma + 1)...], maxDigits: 10) != nil
    }

    /// The fields between the permissions and the size: "nlink owner
    /// group", or with one of them missing (ls -o/-g, some servers).
    static func principals(_ tokens: ListingTokens, _ header: [Int]) throws
        -> (ListingEntry.Principal?, ListingEntry.Principal?) {
        func principal(_ i: Int) -> ListingEntry.Principal {
            if let id = tokens.number(i) { return .id(id) }
            return .name(Array(tokens[i]))
        }
        switch header.count {
        case 3:
            guard tokens.number(header[0]) != nil else {
                throw tokens.isOverflowingNumber(header[0]) ? ListingLineError.numberOutOfRange("link count")
                                                           : ListingLineError.badOwnerFields(count: 3)
            }
            return (principal(header[1]), principal(header[2]))
        case 2:
            if tokens.number(header[0]) != nil { return (principal(header[1]), nil) }
            return (principal(header[0]), principal(header[1]))
        case 1:
            return tokens.number(header[0]) != nil ? (nil, nil) : (principal(header[0]), nil)
        default:
            throw ListingLineError.badOwnerFields(count: header.count)
        }
    }

    /// The index of the first " -> " in a symlink's name field.
    static func firstArrow(in name: [UInt8]) -> Int? {
        let arrow: [UInt8] = [0x20, 0x2D, 0x3E, 0x20]
        guard name.count >= 4 else { return nil }
        for i in 0...(name.count - 4) where name[i] == 0x20 && Array(name[i..<i + 4]) == arrow {
            return i
        }
        return nil
    }
}
