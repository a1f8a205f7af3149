import XCTest
@testable import ProxyCore

final class BackendURLTests: XCTestCase {
    func testPlainHostDefaults() throws {
        let url = try BackendURL(parsing: "ftp://ftp1.example.com")
        XCTAssertEqual(url.scheme, .ftp)
        XCTAssertEqual(url.host, "ftp1.example.com")
        XCTAssertEqual(url.port, 21)
        XCTAssertFalse(url.hasExplicitPort)
        XCTAssertFalse(url.isIPv6Literal)
        XCTAssertNil(url.username)
        XCTAssertNil(url.password)
        XCTAssertFalse(url.usesImplicitTLS)
        XCTAssertEqual(url.description, "ftp://ftp1.example.com:21")
    }

    func testDefaultPortsPerScheme() throws {
        XCTAssertEqual(try BackendURL(parsing: "ftps://h").port, 21)
        XCTAssertEqual(try BackendURL(parsing: "sftp://h").port, 22)
        XCTAssertEqual(try BackendURL(parsing: "ftp+srv://_ftp._tcp.castaglia.org").port, 21)
        XCTAssertEqual(try BackendURL(parsing: "sftp://ssh-backend1.example.com:2222").port, 2222)
    }

    func testAllSchemesCaseInsensitive() throws {
        let expected: [(String, BackendURL.Scheme)] = [
            ("ftp", .ftp), ("FTPS", .ftps), ("SFtp", .sftp), ("ftp+srv", .ftpSRV), ("FTP+TXT", .ftpTXT),
            ("ftps+srv", .ftpsSRV), ("ftps+txt", .ftpsTXT),
        ]
        for (scheme, value) in expected {
            XCTAssertEqual(try BackendURL(parsing: "\(scheme)://example.org").scheme, value, scheme)
        }
        XCTAssertEqual(try BackendURL(parsing: "ftp+srv://x.org").dnsDiscovery, .srv)
        XCTAssertEqual(try BackendURL(parsing: "ftps+txt://x.org").dnsDiscovery, .txt)
        XCTAssertNil(try BackendURL(parsing: "ftps://x.org").dnsDiscovery)
        XCTAssertTrue(try BackendURL(parsing: "ftps+srv://x.org").requiresTLS)
        XCTAssertFalse(try BackendURL(parsing: "ftp://x.org").requiresTLS)
    }

    func testIPv4AndIPv6() throws {
        let v4 = try BackendURL(parsing: "ftp://1.2.3.4")
        XCTAssertEqual(v4.host, "1.2.3.4")
        XCTAssertTrue(v4.isIPv4Literal)
        XCTAssertFalse(v4.isIPv6Literal)

        let mapped = try BackendURL(parsing: "ftp://[::ffff:6.7.8.9]:2121")
        XCTAssertEqual(mapped.host, "::ffff:6.7.8.9")
        XCTAssertTrue(mapped.isIPv6Literal)
        XCTAssertEqual(mapped.port, 2121)
        XCTAssertEqual(mapped.hostPort, "[::ffff:6.7.8.9]:2121")
        XCTAssertEqual(mapped.description, "ftp://[::ffff:6.7.8.9]:2121")

        let v6 = try BackendURL(parsing: "ftp://[2001:DB8::1]/")
        XCTAssertEqual(v6.host, "2001:db8::1")
        XCTAssertEqual(v6.port, 21)
    }

    func testImplicitTLS() throws {
        XCTAssertTrue(try BackendURL(parsing: "ftps://ftp3.example.com:990").usesImplicitTLS)
        XCTAssertFalse(try BackendURL(parsing: "ftps://ftp3.example.com").usesImplicitTLS)
        XCTAssertFalse(try BackendURL(parsing: "ftp://ftp3.example.com:990").usesImplicitTLS)
        XCTAssertFalse(try BackendURL(parsing: "ftps+srv://ftp3.example.com:990").usesImplicitTLS)
    }

    func testCredentialsAreDecodedAndHidden() throws {
        let url = try BackendURL(parsing: "ftp://user1:password1@ftp-backend1.example.com:2121")
        XCTAssertEqual(url.username, "user1")
        XCTAssertEqual(url.password, "password1")
        XCTAssertEqual(url.description, "ftp://user1@ftp-backend1.example.com:2121")
        XCTAssertFalse(url.description.contains("password1"))
        XCTAssertFalse("\(url)".contains("password1"))
        XCTAssertEqual(url.stringWithCredentials, "ftp://user1:password1@ftp-backend1.example.com:2121")

        let encoded = try BackendURL(parsing: "ftp://us%40er:p%3Ass%2Fw%20rd@h")
        XCTAssertEqual(encoded.username, "us@er")
        XCTAssertEqual(encoded.password, "p:ss/w rd")
        XCTAssertEqual(try BackendURL(parsing: encoded.stringWithCredentials), encoded)

        let atInPassword = try BackendURL(parsing: "ftp://user@domain.com:pass@word@host")
        XCTAssertEqual(atInPassword.username, "user@domain.com")
        XCTAssertEqual(atInPassword.password, "pass@word")
        XCTAssertEqual(atInPassword.host, "host")

        let userOnly = try BackendURL(parsing: "ftp://anonymous@host")
        XCTAssertEqual(userOnly.username, "anonymous")
        XCTAssertNil(userOnly.password)

        let emptyPassword = try BackendURL(parsing: "ftp://bob:@host")
        XCTAssertEqual(emptyPassword.password, "")

        XCTAssertEqual(try BackendURL(parsing: "ftp://j%C3%BCrgen:x@h").username, "jürgen")
    }

    func testPathToleratedAndIgnored() throws {
        XCTAssertEqual(try BackendURL(parsing: "ftp://h:21/").port, 21)
        XCTAssertEqual(try BackendURL(parsing: "ftp://h/some/path").host, "h")
    }

    func testMemberwiseInit() throws {
        let url = try BackendURL(scheme: .sftp, host: "::1", port: 2222, username: "u", password: "p@ss")
        XCTAssertEqual(url.hostPort, "[::1]:2222")
        XCTAssertEqual(url.password, "p@ss")
        XCTAssertThrowsError(try BackendURL(scheme: .ftp, host: "bad host"))
        XCTAssertThrowsError(try BackendURL(scheme: .ftp, host: "h", port: 0))
    }

    func testUnknownSchemeMessage() {
        XCTAssertThrowsError(try BackendURL(parsing: "ftpx://a")) { error in
            XCTAssertEqual(String(describing: error),
                           "'ftpx://a' is not a supported URL: unknown scheme 'ftpx' (expected ftp, ftps, sftp, ftp+srv, ftp+txt, ftps+srv, ftps+txt)")
        }
    }

    func testRejectsHostileAndMalformed() {
        let bad = [
            "", "ftp", "ftp:/host", "ftp:host", "://host", "http://host", "file:///etc/passwd", "sftp+srv://x",
            "ftp://", "ftp:///path", "ftp://:21", "ftp://user@", "ftp://@host", "ftp://:pw@host",
            "ftp://host:", "ftp://host:0", "ftp://host:65536", "ftp://host:99999999999999999999", "ftp://host:-1",
            "ftp://host:2x", "ftp://host:21:22", "ftp://host: 21", "ftp://ho st", " ftp://host", "ftp://host ",
            "ftp://host\r\nUSER x", "ftp://host\u{0}", "ftp://h\tx", "ftp://::1", "ftp://::1:21",
            "ftp://[::1", "ftp://[::1]x", "ftp://[::1]:", "ftp://[1.2.3.4]", "ftp://[fe80::1%25eth0]",
            "ftp://[fe80::1%eth0]", "ftp://[]", "ftp://[zz::1]", "ftp://256.1.1.1", "ftp://1.2.3",
            "ftp://1.2.3.4.5", "ftp://-host", "ftp://host-", "ftp://a..b", "ftp://.host", "ftp://ho$t",
            "ftp://hóst", "ftp://host?x=1", "ftp://host/#frag", "ftp://host#x", "ftp://u:p%zz@host",
            "ftp://u:p%4@host", "ftp://u%0D%0AQUIT:p@host", "ftp://u:p%00@host", "ftp://u:%FF@host",
            "ftp://" + String(repeating: "a", count: 64) + ".com", "ftp://" + String(repeating: "a.", count: 200) + "com",
            String(repeating: "x", count: 5000),
        ]
        for text in bad {
            XCTAssertThrowsError(try BackendURL(parsing: text), "accepted \(text.debugDescription)")
        }
    }

    func testSpecificReasons() {
        func reason(_ text: String) -> String {
            do {
                _ = try BackendURL(parsing: text)
                return "accepted"
            } catch let error as BackendURLError {
                return error.reason
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(reason("ftp://host:0"), "port '0' is out of range (1-65535)")
        XCTAssertEqual(reason("ftp://host:65536"), "port '65536' is out of range (1-65535)")
        XCTAssertEqual(reason("ftp://host:2x"), "port '2x' is not a number")
        XCTAssertEqual(reason("ftp://::1"), "IPv6 addresses must be enclosed in brackets, e.g. ftp://[::1]:21")
        XCTAssertEqual(reason("ftp://[fe80::1%25eth0]"), "IPv6 zone identifiers are not supported in '[fe80::1%25eth0]'")
        XCTAssertEqual(reason("ftp://ho st"), "contains whitespace or a control character")
        XCTAssertEqual(reason("ftp://u%0D%0AQUIT:p@host"), "user name contains a control character")
        XCTAssertEqual(reason("ftp://1.2.3"), "'1.2.3' is not a valid IPv4 address")
        XCTAssertEqual(reason("ftp://host?x"), "unexpected '?' (queries and fragments are not supported)")
        XCTAssertEqual(reason("ftp:host"), "missing '://' after the scheme")
    }

    func testErrorMasksPassword() {
        XCTAssertThrowsError(try BackendURL(parsing: "ftp://bob:s3cret@host:0")) { error in
            let text = String(describing: error)
            XCTAssertFalse(text.contains("s3cret"), text)
            XCTAssertTrue(text.contains("ftp://bob:***@host:0"), text)
        }
    }

    func testHashableForSets() throws {
        let a = try BackendURL(parsing: "FTP://host:21")
        let b = try BackendURL(parsing: "ftp://host")
        XCTAssertEqual(a, b) // an explicit default port names the same backend
        XCTAssertTrue(a.hasExplicitPort)
        XCTAssertFalse(b.hasExplicitPort)
        XCTAssertEqual(Set([a, b]).count, 1)
        XCTAssertNotEqual(a, try BackendURL(parsing: "ftp://host:2121"))
        XCTAssertNotEqual(a, try BackendURL(parsing: "ftp://u:p@host"))
    }
}
