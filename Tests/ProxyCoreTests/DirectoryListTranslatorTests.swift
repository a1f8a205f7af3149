import ProxyCore
import XCTest

/// Whole LIST outputs to MLSD: the facts written, skipped lines reported, hostile input survived.
final class DirectoryListTranslatorTests: XCTestCase {
    let now = CivilTime(year: 2026, month: 12, day: 4, hour: 17, minute: 37)!.epochSeconds

    func translate(_ text: String, slink: Bool = false, facts: Set<MLSTFact> = MLSTFact.defaultSelection)
        -> DirectoryListTranslator.Result {
        DirectoryListTranslator(writer: MLSDLineWriter(facts: facts, useSlink: slink), now: now).translate(Array(text.utf8))
    }

    func lines(_ r: DirectoryListTranslator.Result) -> [String] {
        String(decoding: r.output, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    static let proftpdListing = """
        total 16\r
        drwxr-xr-x   4 alice    nogroup      4096 Dec  4 17:37 .\r
        drwxr-xr-x   3 0        0            4096 Dec  4 17:37 ..\r
        -rw-r--r--   1 alice    nogroup         5 Jan  1  2010 a file.txt\r
        lrwxrwxrwx   1 0        0              10 Dec  4 17:37 link to a -> a file.txt\r
        dr-xr-x---   2 alice    nogroup      4096 Dec  4 17:37 sub dir\r

        """

    func testProFTPDListingBecomesMLSD() {
        let r = translate(Self.proftpdListing)
        XCTAssertEqual(r.entries, 5)
        XCTAssertEqual(r.skipped, 0)
        XCTAssertEqual(lines(r), [
            "modify=20261204173700;perm=cdeflmp;type=cdir;UNIX.groupname=nogroup;UNIX.mode=0755;UNIX.ownername=alice; .",
            "modify=20261204173700;perm=cdeflmp;type=pdir;UNIX.group=0;UNIX.mode=0755;UNIX.owner=0; ..",
            "modify=20100101000000;perm=adfrw;size=5;type=file;UNIX.groupname=nogroup;UNIX.mode=0644;UNIX.ownername=alice; a file.txt",
            "modify=20261204173700;perm=adfrw;size=10;type=OS.unix=symlink;UNIX.group=0;UNIX.mode=0777;UNIX.owner=0; link to a",
            "modify=20261204173700;perm=del;type=dir;UNIX.groupname=nogroup;UNIX.mode=0550;UNIX.ownername=alice; sub dir",
        ])
    }

    func testUseSlinkNamesTheTarget() {
        let r = translate("lrwxrwxrwx 1 0 0 10 Dec  4 17:37 link -> ../target\n"
                          + "lrwxrwxrwx 1 0 0 10 Dec  4 17:37 spaced -> a b\n", slink: true)
        XCTAssertEqual(lines(r), [
            "modify=20261204173700;perm=adfrw;size=10;type=OS.unix=slink:../target;UNIX.group=0;UNIX.mode=0777;UNIX.owner=0; link",
            // a target with a blank would end the fact: the plain form instead
            "modify=20261204173700;perm=adfrw;size=10;type=OS.unix=symlink;UNIX.group=0;UNIX.mode=0777;UNIX.owner=0; spaced",
        ])
    }

    func testFactSelectionFromOptsMLST() {
        let (facts, reply) = MLSTFact.selection(fromOptions: "TYPE;size;bogus;UNIX.mode;")
        XCTAssertEqual(facts, [.type, .size, .unixMode])
        XCTAssertEqual(reply, "MLST OPTS size;type;UNIX.mode;")
        let r = translate("-rw-r--r-- 1 a b 5 Jan  1  2010 f\n", facts: facts)
        XCTAssertEqual(lines(r), ["size=5;type=file;UNIX.mode=0644; f"])
        XCTAssertEqual(MLSTFact.selection(fromOptions: "").reply, "MLST OPTS ")
        XCTAssertEqual(MLSTFact.featureLine(),
                       "MLST modify*;perm*;size*;type*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;")
        XCTAssertEqual(MLSTFact.featureLine(selected: [.type]),
                       "MLST modify;perm;size;type*;UNIX.group;UNIX.groupname;UNIX.mode;UNIX.owner;UNIX.ownername;")
    }

    func testWindowsListing() {
        let r = translate("12-04-25  05:35PM       <DIR>          sub dir\r\n01-29-97  11:32AM                 1234 a file.txt\r\n")
        XCTAssertEqual(lines(r), ["modify=20251204173500;type=dir; sub dir",
                                  "modify=19970129113200;size=1234;type=file; a file.txt"])
    }

    func testDevicesAndOddTypes() {
        let r = translate("crw-rw-rw- 1 root root 1, 3 Dec  4 17:37 null\nbrw-rw---- 1 0 6 8, 0 Jan 1 2020 sda\nprw------- 1 a b 0 Jan 1 2020 fifo\n")
        XCTAssertEqual(lines(r), [
            "modify=20261204173700;perm=adfrw;type=OS.unix=chardev;UNIX.groupname=root;UNIX.mode=0666;UNIX.ownername=root; null",
            "modify=20200101000000;perm=adfrw;type=OS.unix=blockdev;UNIX.group=6;UNIX.mode=0660;UNIX.owner=0; sda",
            "modify=20200101000000;perm=adfrw;type=OS.unix=pipe;UNIX.groupname=b;UNIX.mode=0600;UNIX.ownername=a; fifo",
        ])
    }

    func testUnparseableLinesAreSkippedAndReported() {
        let text = "total 8\n-rw-r--r-- 1 a b 5 Jan  1  2010 good\njunk here\n-rw-r--r-- 1 a b 5 Feb 30  2010 feb30\n"
            + "-rw-r--r-- 1 a b 5 Jan  1  2010 nul\u{0}name\n\n   \n-rw-r--r-- 1 a b 5 Jan  1  2010 cr\rname\n"
            + "-rw-r--r-- 1 a b 5 Jan  1  2010 also good"
        let r = translate(text)
        XCTAssertEqual(r.entries, 2)
        XCTAssertEqual(r.skipped, 4)
        XCTAssertEqual(r.problems.map(\.line), [3, 4, 5, 8])
        XCTAssertEqual(r.problems.map(\.reason), [.unknownFileType(UInt8(ascii: "j")), .impossibleDate("Feb 30 2010"),
                                                  .forbiddenByte(0), .forbiddenByte(0x0D)])
        XCTAssertEqual(r.problems[2].excerpt, "-rw-r--r-- 1 a b 5 Jan  1  2010 nul\\x00name")
        XCTAssertTrue(lines(r).last!.hasSuffix(" also good"))
    }

    func testHugeLineIsSkippedNotParsed() {
        let long = "-rw-r--r-- 1 a b 5 Jan  1  2010 " + String(repeating: "x", count: 1 << 20)
        let r = translate(long + "\n-rw-r--r-- 1 a b 5 Jan  1  2010 ok\n")
        XCTAssertEqual(r.entries, 1)
        XCTAssertEqual(r.problems.first?.reason, .tooLong(bytes: long.utf8.count, limit: DirectoryListTranslator.maximumLineBytes))
        XCTAssertLessThanOrEqual(r.problems.first!.excerpt.count, 110)
    }

    func testFloodOfJunkIsCountedNotAllKept() {
        let junk = String(repeating: "garbage line\n", count: 10_000)
        let r = translate(junk)
        XCTAssertEqual(r.entries, 0)
        XCTAssertEqual(r.skipped, 10_000)
        XCTAssertEqual(r.problems.count, DirectoryListTranslator.maximumReportedProblems)
        XCTAssertTrue(r.output.isEmpty)
    }

    func testRandomBytesNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("-dlcb rwxsStT0123456789:,JanFebDec<DIR>AMPM->\n\r\t\u{0}".utf8) + [0xFF, 0xC3]
        for _ in 0..<300 {
            let n = Int.random(in: 0..<400, using: &rng)
            let input = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            let r = DirectoryListTranslator(writer: MLSDLineWriter(useSlink: true), now: now).translate(input)
            XCTAssertFalse(r.output.contains(0))
            // every output line is "facts SP name CRLF": no bare CR or LF inside
            var i = 0
            while i < r.output.count {
                let lf = r.output[i...].firstIndex(of: 0x0A)!
                XCTAssertEqual(r.output[lf - 1], 0x0D)
                XCTAssertFalse(r.output[i..<(lf - 1)].contains(0x0D))
                i = lf + 1
            }
        }
    }

    func testOwnerNamesThatWouldBreakFactsAreLeftOut() {
        let r = translate("-rw-r--r-- 1 a;b c=d 5 Jan  1  2010 f\n")
        XCTAssertEqual(lines(r), ["modify=20100101000000;perm=adfrw;size=5;type=file;UNIX.mode=0644; f"])
    }
}
