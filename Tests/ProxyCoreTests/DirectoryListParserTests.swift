import ProxyCore
import XCTest

/// LIST lines (Unix ls -l and Windows/IIS) parsed into entries; hostile lines rejected with a reason.
final class DirectoryListParserTests: XCTestCase {
    /// 2026-12-04 17:37:00 UTC
    let now = CivilTime(year: 2026, month: 12, day: 4, hour: 17, minute: 37)!.epochSeconds

    func unix(_ s: String) throws -> ListingEntry { try UnixListingLine.parse(Array(s.utf8), now: now) }
    func windows(_ s: String) throws -> ListingEntry { try WindowsListingLine.parse(Array(s.utf8)) }
    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func assertRejects(_ line: String, _ expected: ListingLineError, file: StaticString = #filePath, line n: UInt = #line) {
        XCTAssertThrowsError(try unix(line), file: file, line: n) { XCTAssertEqual($0 as? ListingLineError, expected, file: file, line: n) }
    }

    // MARK: - calendar

    func testCivilTimeAgreesWithKnownEpochs() {
        XCTAssertEqual(CivilTime(year: 1970, month: 1, day: 1)!.epochSeconds, 0)
        XCTAssertEqual(CivilTime(year: 2010, month: 1, day: 1)!.epochSeconds, 1_262_304_000)
        XCTAssertEqual(CivilTime(year: 2000, month: 2, day: 29)!.epochSeconds, 951_782_400)
        XCTAssertEqual(CivilTime(epochSeconds: 951_782_400 + 3661), CivilTime(year: 2000, month: 2, day: 29, hour: 1, minute: 1, second: 1))
        XCTAssertEqual(CivilTime(epochSeconds: -1), CivilTime(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59))
        for t: Int64 in [0, 86_399, 86_400, 1_700_000_000, 4_102_444_800, 253_402_300_799] {
            XCTAssertEqual(CivilTime(epochSeconds: t).epochSeconds, t)
        }
    }

    func testImpossibleDatesDoNotExist() {
        XCTAssertNil(CivilTime(year: 2025, month: 2, day: 29))
        XCTAssertNotNil(CivilTime(year: 2024, month: 2, day: 29))
        XCTAssertNil(CivilTime(year: 1900, month: 2, day: 29))
        XCTAssertNil(CivilTime(year: 2025, month: 2, day: 30))
        XCTAssertNil(CivilTime(year: 2025, month: 4, day: 31))
        XCTAssertNil(CivilTime(year: 2025, month: 13, day: 1))
        XCTAssertNil(CivilTime(year: 2025, month: 1, day: 0))
        XCTAssertNil(CivilTime(year: 2025, month: 1, day: 1, hour: 24))
        XCTAssertNil(CivilTime(year: 10000, month: 1, day: 1))
        XCTAssertEqual(CivilTime(year: 2025, month: 3, day: 7, hour: 4, minute: 5, second: 6)!.factValue, "20250307040506")
    }

    func testYearOfRecentDatesFollowsLs() {
        // A time, not a year: the date within six months of now.
        XCTAssertEqual(CivilTime.recent(month: 12, day: 4, hour: 10, minute: 0, now: now)?.year, 2026)
        XCTAssertEqual(CivilTime.recent(month: 12, day: 5, hour: 17, minute: 0, now: now)?.year, 2026)   // skew
        XCTAssertEqual(CivilTime.recent(month: 3, day: 1, hour: 0, minute: 0, now: now)?.year, 2027)    // ProFTPD: future files
        XCTAssertEqual(CivilTime.recent(month: 7, day: 1, hour: 0, minute: 0, now: now)?.year, 2026)
        XCTAssertEqual(CivilTime.recent(month: 6, day: 5, hour: 10, minute: 0, now: now)?.year, 2026)
        let newYear = CivilTime(year: 2027, month: 1, day: 10)!.epochSeconds
        XCTAssertEqual(CivilTime.recent(month: 12, day: 20, hour: 9, minute: 0, now: newYear)?.year, 2026)
        let silvester = CivilTime(year: 2026, month: 12, day: 31, hour: 23)!.epochSeconds
        XCTAssertEqual(CivilTime.recent(month: 1, day: 1, hour: 1, minute: 0, now: silvester)?.year, 2027)
        // Feb 29 only in a leap year near now; else no such date.
        let leapSpring = CivilTime(year: 2028, month: 3, day: 10)!.epochSeconds
        XCTAssertEqual(CivilTime.recent(month: 2, day: 29, hour: 1, minute: 0, now: leapSpring)?.year, 2028)
        XCTAssertNil(CivilTime.recent(month: 2, day: 29, hour: 1, minute: 0, now: now))
    }

    // MARK: - Unix

    func testProFTPDFileLine() throws {
        let e = try unix("-rw-r--r--   1 alice    nogroup         5 Jan  1  2010 a file.txt")
        XCTAssertEqual(e, ListingEntry(name: bytes("a file.txt"), kind: .file, mode: 0o644, size: 5,
                                       modified: CivilTime(year: 2010, month: 1, day: 1),
                                       owner: .name(bytes("alice")), group: .name(bytes("nogroup"))))
    }

    func testDirectoryWithTimeAndNumericOwners() throws {
        let e = try unix("drwxr-xr-x   3 0        0            4096 Dec  4 17:37 ..")
        XCTAssertEqual(e.kind, .directory)
        XCTAssertEqual(e.name, bytes(".."))
        XCTAssertNil(e.size)
        XCTAssertEqual(e.mode, 0o755)
        XCTAssertEqual(e.owner, .id(0))
        XCTAssertEqual(e.group, .id(0))
        XCTAssertEqual(e.modified, CivilTime(year: 2026, month: 12, day: 4, hour: 17, minute: 37))
    }

    func testWideColumnsAndBigNumbers() throws {
        let e = try unix("-rw-------  65000 someverylongownername someverylonggroupname 18446744073709551615 Feb 29  2024 big")
        XCTAssertEqual(e.size, UInt64.max)
        XCTAssertEqual(e.owner, .name(bytes("someverylongownername")))
        XCTAssertEqual(e.modified, CivilTime(year: 2024, month: 2, day: 29))
        XCTAssertEqual(e.mode, 0o600)
    }

    func testSymlinkWithTarget() throws {
        let e = try unix("lrwxrwxrwx   1 0        0              10 Dec  4 17:37 link to a -> a file.txt")
        XCTAssertEqual(e.kind, .symlink(target: bytes("a file.txt")))
        XCTAssertEqual(e.name, bytes("link to a"))
        XCTAssertEqual(e.size, 10)
        let bare = try unix("lrwxrwxrwx 1 0 0 10 Dec  4 17:37 dangling")
        XCTAssertEqual(bare.kind, .symlink(target: nil))
        XCTAssertEqual(bare.name, bytes("dangling"))
    }

    func testDevicesHaveNoSize() throws {
        let c = try unix("crw-rw-rw-   1 root     root       1,   3 Dec  4 17:37 null")
        XCTAssertEqual(c.kind, .characterDevice)
        XCTAssertNil(c.size)
        XCTAssertEqual(c.owner, .name(bytes("root")))
        XCTAssertEqual(c.group, .name(bytes("root")))
        let b = try unix("brw-rw----   1 root     disk     8,0 Jan 10  2020 sda")
        XCTAssertEqual(b.kind, .blockDevice)
        XCTAssertEqual(b.name, bytes("sda"))
        XCTAssertEqual(try unix("prw-r--r-- 1 a b 0 Jan 10 2020 fifo").kind, .pipe)
        XCTAssertEqual(try unix("srwxr-xr-x 1 a b 0 Jan 10 2020 sock").kind, .socket)
    }

    func testSpecialPermissionLetters() throws {
        XCTAssertEqual(try unix("-rwsr-sr-t 1 a b 1 Jan 10 2020 x").mode, 0o7755)
        XCTAssertEqual(try unix("-rwSr-Sr-T 1 a b 1 Jan 10 2020 x").mode, 0o7644)
        XCTAssertEqual(try unix("drwxrwxrwt+ 1 a b 1 Jan 10 2020 tmp").mode, 0o1777)
        XCTAssertEqual(try unix("-rw-r--r--. 1 a b 1 Jan 10 2020 selinux").mode, 0o644)
    }

    func testNamesKeepTheirSpacesAndLookalikes() throws {
        XCTAssertEqual(try unix("-rw-r--r-- 1 a b 1 Jan 10 2020  leading space").name, bytes(" leading space"))
        XCTAssertEqual(try unix("-rw-r--r-- 1 a b 1 Jan 10 2020 Dec 4 2019 looks like a date").name,
                       bytes("Dec 4 2019 looks like a date"))
        // An owner called "Jan" does not pass for the date.
        let tricky = try unix("-rw-r--r-- 1 Jan 12 2020 Dec  1  2019 name")
        XCTAssertEqual(tricky.name, bytes("name"))
        XCTAssertEqual(tricky.size, 2020)
        XCTAssertEqual(tricky.owner, .name(bytes("Jan")))
        XCTAssertEqual(tricky.group, .id(12))
    }

    func testMissingGroupOrLinkCount() throws {
        let noGroup = try unix("-rw-r--r-- 1 alice 77 Mar  3  2021 g")
        XCTAssertEqual(noGroup.owner, .name(bytes("alice")))
        XCTAssertNil(noGroup.group)
        let noLinks = try unix("drwxr-xr-x folder 0 Mar  3  2021 d")
        XCTAssertEqual(noLinks.owner, .name(bytes("folder")))
        XCTAssertNil(noLinks.group)
    }

    func testHostileUnixLines() {
        assertRejects("?rw-r--r-- 1 a b 1 Jan 10 2020 x", .unknownFileType(UInt8(ascii: "?")))
        assertRejects("-rw-r--r-", .badPermissions)
        assertRejects("-rwxrwxrwq 1 a b 1 Jan 10 2020 x", .badPermissions)
        assertRejects("-rw-r--r--x1 a b 1 Jan 10 2020 x", .badPermissions)
        assertRejects("-rw-r--r-- 1 a b 1 Feb 30 2020 x", .impossibleDate("Feb 30 2020"))
        assertRejects("-rw-r--r-- 1 a b 1 Feb 30 10:00 x", .impossibleDate("Feb 30 10:00"))
        assertRejects("-rw-r--r-- 1 a b 1 Jan 10 25:00 x", .impossibleDate("Jan 10 25:00"))
        assertRejects("-rw-r--r-- 1 a b 1 Jan 10 2020", .missingName)
        assertRejects("-rw-r--r-- 1 a b 1 Jan 10 2020 ", .missingName)
        assertRejects("-rw-r--r-- 1 a b 99999999999999999999999 Jan 10 2020 x", .numberOutOfRange("size"))
        assertRejects("-rw-r--r-- 1 a b 1.5K Jan 10 2020 x", .noDate)
        assertRejects("-rw-r--r-- 1 a b c d 1 Jan 10 2020 x", .badOwnerFields(count: 5))
        assertRejects("-rw-r--r-- 99999999999999999999999 a b 1 Jan 10 2020 x", .numberOutOfRange("link count"))
        assertRejects("-rw-r--r-- 1 a b 1 Jan", .noDate)
        assertRejects("-rw-r--r-- ", .noDate)
        let huge = "-rw-r--r-- 1 a b " + String(repeating: "Jan 1 ", count: 5000)
        assertRejects(huge, .noDate)
    }

    // MARK: - Windows

    func testIISDirectoryAndFile() throws {
        let d = try windows("12-04-25  05:35PM       <DIR>          sub dir")
        XCTAssertEqual(d, ListingEntry(name: bytes("sub dir"), kind: .directory,
                                       modified: CivilTime(year: 2025, month: 12, day: 4, hour: 17, minute: 35)))
        let f = try windows("01-29-97  11:32AM                 1234 a file.txt")
        XCTAssertEqual(f, ListingEntry(name: bytes("a file.txt"), kind: .file, size: 1234,
                                       modified: CivilTime(year: 1997, month: 1, day: 29, hour: 11, minute: 32)))
        XCTAssertEqual(try windows("01-29-2031  12:05AM      7 midnight").modified,
                       CivilTime(year: 2031, month: 1, day: 29, hour: 0, minute: 5))
        XCTAssertEqual(try windows("01-29-31  12:05PM      7 noon").modified,
                       CivilTime(year: 2031, month: 1, day: 29, hour: 12, minute: 5))
        XCTAssertEqual(try windows("01-29-31  17:05      7 h24").modified?.hour, 17)
        XCTAssertEqual(try windows("01-29-31  05:05 PM      7 split").modified?.hour, 17)
    }

    func testHostileWindowsLines() {
        func rejects(_ s: String, _ e: ListingLineError, line: UInt = #line) {
            XCTAssertThrowsError(try windows(s), line: line) { XCTAssertEqual($0 as? ListingLineError, e, line: line) }
        }
        rejects("02-30-25  05:35PM   1 x", .impossibleDate("02-30-25 05:35PM"))
        rejects("12-04-25  13:35PM   1 x", .impossibleDate("12-04-25 13:35PM"))
        rejects("12-04-25  05:75PM   1 x", .impossibleDate("12-04-25 05:75PM"))
        rejects("12-04-25  05:35PM   <FILE> x", .unknownFormat)
        rejects("12-04-25  05:35PM   99999999999999999999999 x", .numberOutOfRange("size"))
        rejects("12-04-25  05:35PM   <DIR>", .missingName)
        rejects("12-04-25  05:35PM", .missingName)
        rejects("1204-25  05:35PM 1 x", .unknownFormat)
    }
}
