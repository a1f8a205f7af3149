import XCTest
import Glibc
import Foundation
@testable import ProxyCore

final class ConfigFileChecksTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/proxycore-tests-XXXXXX".utf8CString)
        let made: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        root = try XCTUnwrap(made)
        chmod(root, 0o755)
    }

    override func tearDown() {
        _ = system("rm -rf '\(root)'")
    }

    func write(_ path: String, _ text: String, mode: mode_t = 0o644) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        chmod(path, mode)
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        return info.st_mode & 0o7777
    }

    // MARK: ProxyTables

    func testTablesDirectoryIsCreated() throws {
        let path = root + "/var/proxy"
        let prepared = try ProxyTablesDirectory.prepare(path: path)
        XCTAssertTrue(prepared.created)
        XCTAssertEqual(prepared.emptyDirectory, path + "/empty")
        XCTAssertEqual(mode(path), 0o755)
        XCTAssertEqual(mode(path + "/empty"), 0o111)

        // Second run: existing and correct.
        let again = try ProxyTablesDirectory.prepare(path: path + "/")
        XCTAssertFalse(again.created)
        XCTAssertEqual(again.path, path)
    }

    func testExistingTablesDirectoryGetsEmptyCreated() throws {
        let path = root + "/tables"
        XCTAssertEqual(mkdir(path, 0o700), 0)
        let old = umask(0o077)
        defer { umask(old) }
        _ = try ProxyTablesDirectory.prepare(path: path)
        XCTAssertEqual(mode(path + "/empty"), 0o111)
        XCTAssertEqual(mode(path), 0o700) // left alone
    }

    func testEmptyWithWrongPermissions() throws {
        let path = root + "/tables"
        XCTAssertEqual(mkdir(path, 0o755), 0)
        XCTAssertEqual(mkdir(path + "/empty", 0o755), 0)
        chmod(path + "/empty", 0o755)
        XCTAssertThrowsError(try ProxyTablesDirectory.prepare(path: path)) { error in
            XCTAssertEqual(error as? ProxyTablesError, .wrongPermissions(path: path + "/empty", mode: "0755"))
            XCTAssertEqual(String(describing: error),
                           "directory '\(path)/empty' has incorrect permissions (0755, not 0111 as required)")
        }
    }

    func testTablesDirectoryErrors() throws {
        XCTAssertThrowsError(try ProxyTablesDirectory.prepare(path: "relative/dir")) { error in
            XCTAssertEqual(error as? ProxyTablesError, .notAbsolute(path: "relative/dir"))
        }
        write(root + "/file", "x")
        XCTAssertThrowsError(try ProxyTablesDirectory.prepare(path: root + "/file")) { error in
            XCTAssertEqual(error as? ProxyTablesError, .notADirectory(path: root + "/file"))
        }
        XCTAssertEqual(mkdir(root + "/t2", 0o755), 0)
        write(root + "/t2/empty", "x")
        XCTAssertThrowsError(try ProxyTablesDirectory.prepare(path: root + "/t2")) { error in
            XCTAssertEqual(error as? ProxyTablesError, .emptyNotADirectory(path: root + "/t2/empty"))
        }
        XCTAssertThrowsError(try ProxyTablesDirectory.prepare(path: root + "/file/sub")) { error in
            guard case .cannotStat = error as? ProxyTablesError else { return XCTFail("\(error)") }
        }
    }

    func testFileCheckPerformTables() throws {
        XCTAssertEqual(try FileCheck.prepareTablesDirectory(path: root + "/p").perform(), .passed)
    }

    // MARK: ProxyReverseServers files

    func testLoadsBackendList() throws {
        let path = root + "/backends.json"
        write(path, "[ \"ftp://ftp1.example.com:2121\", \"ftp://[::ffff:6.7.8.9]:2121\" ]\n")
        let urls = try BackendListFile.load(path: path, ignorePerms: false)
        XCTAssertEqual(urls.map(\.description), ["ftp://ftp1.example.com:2121", "ftp://[::ffff:6.7.8.9]:2121"])
        XCTAssertEqual(try FileCheck.loadBackendList(path: path).perform(), .backends(urls))
    }

    func testWorldWritableFileRefused() {
        let path = root + "/reverse.json"
        write(path, "[\"ftp://a\"]", mode: 0o666)
        XCTAssertThrowsError(try BackendListFile.load(path: path, ignorePerms: false)) { error in
            XCTAssertEqual(String(describing: error),
                           "unable to use world-writable ProxyReverseServers '\(path)' (perms 0666): Operation not permitted")
        }
        // Upstream refuses a world-writable file even with IgnoreConfigPerms.
        XCTAssertThrowsError(try BackendListFile.load(path: path, ignorePerms: true))
    }

    func testWorldWritableDirectoryRefusedUnlessIgnored() throws {
        let dir = root + "/opt"
        XCTAssertEqual(mkdir(dir, 0o777), 0)
        chmod(dir, 0o777)
        let path = dir + "/reverse.json"
        write(path, "[\"ftp://a\"]")
        XCTAssertThrowsError(try BackendListFile.load(path: path, ignorePerms: false)) { error in
            XCTAssertEqual(String(describing: error),
                           "unable to use ProxyReverseServers '\(path)' from world-writable directory '\(dir)' (perms 0777): Operation not permitted")
        }
        XCTAssertEqual(try BackendListFile.load(path: path, ignorePerms: true).count, 1)
        XCTAssertEqual(try FileCheck.loadBackendList(path: path).perform(ignoreConfigPerms: true),
                       .backends([try BackendURL(parsing: "ftp://a")]))
    }

    func testStickyBitDirectoryIsStillWorldWritable() {
        // /tmp-like directories (1777) are world-writable too.
        let dir = root + "/sticky"
        XCTAssertEqual(mkdir(dir, 0o755), 0)
        chmod(dir, 0o1777)
        write(dir + "/b.json", "[\"ftp://a\"]")
        XCTAssertThrowsError(try BackendListFile.load(path: dir + "/b.json", ignorePerms: false)) { error in
            XCTAssertTrue(String(describing: error).contains("(perms 1777)"), "\(error)")
        }
    }

    func testSymlinkChecksBothDirectories() throws {
        let safe = root + "/safe"
        let open = root + "/open"
        XCTAssertEqual(mkdir(safe, 0o755), 0)
        XCTAssertEqual(mkdir(open, 0o755), 0)
        chmod(open, 0o777)
        write(open + "/real.json", "[\"ftp://a\"]")
        XCTAssertEqual(symlink(open + "/real.json", safe + "/link.json"), 0)
        XCTAssertThrowsError(try BackendListFile.load(path: safe + "/link.json", ignorePerms: false)) { error in
            XCTAssertTrue(String(describing: error).contains("from world-writable directory '\(open)'"), "\(error)")
        }
        // A relative link target resolves against the link's directory.
        write(safe + "/real2.json", "[\"ftp://b\"]")
        XCTAssertEqual(symlink("real2.json", safe + "/rel.json"), 0)
        XCTAssertEqual(try BackendListFile.load(path: safe + "/rel.json", ignorePerms: false).map(\.host), ["b"])
    }

    func testBadContents() {
        func message(_ text: String) -> String {
            let path = root + "/list.json"
            write(path, text)
            do {
                _ = try BackendListFile.load(path: path, ignorePerms: false)
                return "<loaded>"
            } catch {
                return String(describing: error).replacingOccurrences(of: path, with: "P")
            }
        }
        XCTAssertEqual(message("[]"), "no usable URLs found in file 'P'")
        XCTAssertEqual(message(""), "no usable URLs found in file 'P'")
        XCTAssertEqual(message(" \n"), "no usable URLs found in file 'P'")
        XCTAssertEqual(message("{\"a\": 1}"), "ProxyReverseServers file 'P' must hold a JSON array of URL strings, found object")
        XCTAssertEqual(message("[\"ftp://a\", 5]"), "entry 1 in ProxyReverseServers file 'P' is a number, not a URL string")
        XCTAssertEqual(message("[\"ftp://a\", \"gopher://b\"]"),
                       "entry 1 in ProxyReverseServers file 'P': 'gopher://b' is not a supported URL: unknown scheme 'gopher' (expected ftp, ftps, sftp, ftp+srv, ftp+txt, ftps+srv, ftps+txt)")
        XCTAssertEqual(message("[\"ftp://a\",]"),
                       "error parsing ProxyReverseServers file 'P': invalid JSON at byte 11: unexpected ']', expected a JSON value")
        let many = "[" + Array(repeating: "\"ftp://a\"", count: 1001).joined(separator: ",") + "]"
        XCTAssertEqual(message(many), "ProxyReverseServers file 'P' lists 1001 URLs, more than the limit of 1000")
    }

    func testMissingDirectoryAndSpecialFiles() {
        XCTAssertThrowsError(try BackendListFile.load(path: root + "/nope.json", ignorePerms: false)) { error in
            XCTAssertEqual(String(describing: error),
                           "error reading ProxyReverseServers file '\(root)/nope.json': No such file or directory")
        }
        XCTAssertThrowsError(try BackendListFile.load(path: "relative.json", ignorePerms: false))
        XCTAssertThrowsError(try BackendListFile.load(path: root, ignorePerms: false)) { error in
            XCTAssertTrue(String(describing: error).hasSuffix("Is a directory"), "\(error)")
        }
        XCTAssertEqual(mkfifo(root + "/fifo", 0o600), 0)
        XCTAssertThrowsError(try BackendListFile.load(path: root + "/fifo", ignorePerms: false)) { error in
            XCTAssertEqual(error as? BackendListFileError, .notARegularFile(path: root + "/fifo"))
        }
    }

    func testTooLargeFile() throws {
        let path = root + "/big.json"
        write(path, "")
        XCTAssertEqual(truncate(path, off_t(BackendListFile.maxFileSize + 1)), 0)
        XCTAssertThrowsError(try BackendListFile.load(path: path, ignorePerms: false)) { error in
            guard case .tooLarge = error as? BackendListFileError else { return XCTFail("\(error)") }
        }
    }

    // MARK: %U / %g

    func testPathTemplateExpansion() throws {
        let user = BackendPathTemplate("/var/ftp/proxy/backends/%U.json")
        XCTAssertTrue(user.isDynamic)
        XCTAssertTrue(user.usesUser)
        XCTAssertFalse(user.usesGroup)
        XCTAssertEqual(try user.expand(user: "alice", group: nil), "/var/ftp/proxy/backends/alice.json")
        let both = BackendPathTemplate("/b/%g/%U-%U.json")
        XCTAssertEqual(try both.expand(user: "bob", group: "staff"), "/b/staff/bob-bob.json")
        XCTAssertFalse(BackendPathTemplate("/static.json").isDynamic)
        XCTAssertEqual(try BackendPathTemplate("/static.json").expand(user: nil, group: nil), "/static.json")

        for name in ["", "../etc/passwd", "..", "a/b", "x..y", "a\u{0}b", "a\nb"] {
            XCTAssertThrowsError(try user.expand(user: name, group: nil), name.debugDescription)
        }
        XCTAssertThrowsError(try both.expand(user: "bob", group: nil)) { error in
            XCTAssertEqual(error as? BackendPathTemplateError,
                           .missingName(kind: "group", template: "/b/%g/%U-%U.json"))
        }
        XCTAssertEqual(try user.expand(user: "first.last", group: nil), "/var/ftp/proxy/backends/first.last.json")
    }

    // MARK: Other file checks

    func testTLSAndSFTPFileChecks() throws {
        let cert = root + "/cert.pem"
        write(cert, "x")
        XCTAssertEqual(try FileCheck.fileMustExist(path: cert).perform(), .passed)
        XCTAssertThrowsError(try FileCheck.fileMustExist(path: root + "/missing.pem").perform()) { error in
            XCTAssertEqual(String(describing: error), "'\(root)/missing.pem' does not exist")
        }
        XCTAssertThrowsError(try FileCheck.fileMustExist(path: root).perform())
        XCTAssertEqual(try FileCheck.directoryMustExist(path: root).perform(), .passed)
        XCTAssertThrowsError(try FileCheck.directoryMustExist(path: cert).perform()) { error in
            XCTAssertEqual(error as? ConfigFileError, .notADirectory(path: cert))
        }

        let key = root + "/host_key"
        write(key, "k", mode: 0o600)
        XCTAssertEqual(try FileCheck.privateKeyFile(path: key).perform(), .passed)
        chmod(key, 0o640)
        XCTAssertThrowsError(try FileCheck.privateKeyFile(path: key).perform()) { error in
            XCTAssertEqual(error as? ConfigFileError, .keyTooOpen(path: key, mode: "0640"))
        }
        XCTAssertThrowsError(try FileCheck.privateKeyFile(path: root + "/nokey").perform())

        XCTAssertEqual(try FileCheck.regularFile(path: cert).perform(), .passed)
        XCTAssertThrowsError(try FileCheck.regularFile(path: root).perform()) { error in
            XCTAssertEqual(error as? ConfigFileError, .unusable(path: root, reason: "Not a regular file"))
        }
    }
}
