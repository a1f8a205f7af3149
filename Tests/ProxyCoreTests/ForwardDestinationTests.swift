import XCTest
@testable import ProxyCore

final class ForwardDestinationTests: XCTestCase {
    private func parse(_ text: String) throws -> ForwardDestination {
        try ForwardDestination(parsingUserArgument: text)
    }

    private func reason(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as ForwardDestinationError {
            return error.reason
        } catch {
            return "unexpected \(error)"
        }
    }

    func testHostWithDefaultPort() throws {
        let d = try parse("alice@ftp.example.com")
        XCTAssertEqual(d.name, "alice")
        XCTAssertEqual(d.url.scheme, .ftp)
        XCTAssertEqual(d.url.host, "ftp.example.com")
        XCTAssertEqual(d.url.port, 21)
        XCTAssertEqual(d.hostPort, "ftp.example.com:21")
    }

    func testExplicitPortAndIPv4() throws {
        let d = try parse("bob@127.0.0.1:2121")
        XCTAssertEqual(d.url.host, "127.0.0.1")
        XCTAssertEqual(d.url.port, 2121)
        XCTAssertEqual(d.hostPort, "127.0.0.1:2121")
    }

    func testBracketedIPv6WithAndWithoutPort() throws {
        let d = try parse("carol@[::1]:2121")
        XCTAssertTrue(d.url.isIPv6Literal)
        XCTAssertEqual(d.url.host, "::1")
        XCTAssertEqual(d.hostPort, "[::1]:2121")
        XCTAssertEqual(try parse("carol@[2001:DB8::1]").hostPort, "[2001:db8::1]:21")
    }

    func testPort990MeansImplicitFTPS() throws {
        let d = try parse("dave@secure.example.com:990")
        XCTAssertEqual(d.url.scheme, .ftps)
        XCTAssertTrue(d.url.usesImplicitTLS)
    }

    func testLastAtSeparatesSoNamesMayContainAt() throws {
        let d = try parse("eve@example.org@ftp.example.com:21")
        XCTAssertEqual(d.name, "eve@example.org")
        XCTAssertEqual(d.url.host, "ftp.example.com")
    }

    func testColonInTheNameIsNotAPort() throws {
        let d = try parse("us:er@host")
        XCTAssertEqual(d.name, "us:er")
        XCTAssertEqual(d.url.port, 21)
    }

    func testRefusesMissingParts() {
        XCTAssertEqual(reason("alice"), "missing the '@' between the user name and the destination host")
        XCTAssertEqual(reason("@host"), "empty user name before '@'")
        XCTAssertEqual(reason("alice@"), "empty destination after '@'")
        XCTAssertEqual(reason(""), "missing the '@' between the user name and the destination host")
    }

    func testRefusesBadPorts() {
        XCTAssertNotNil(reason("a@host:0"))
        XCTAssertNotNil(reason("a@host:65536"))
        XCTAssertNotNil(reason("a@host:99999999999999999999"))
        XCTAssertNotNil(reason("a@host:21x"))
        XCTAssertNotNil(reason("a@host:"))
        XCTAssertNotNil(reason("a@host:-1"))
    }

    func testRefusesHostileDestinations() {
        XCTAssertNotNil(reason("a@::1"), "unbracketed IPv6 is ambiguous")
        XCTAssertNotNil(reason("a@[::1"))
        XCTAssertNotNil(reason("a@[::1]x"))
        XCTAssertNotNil(reason("a@[fe80::1%eth0]"))
        XCTAssertNotNil(reason("a@[not-v6]"))
        XCTAssertNotNil(reason("a@host/path"))
        XCTAssertNotNil(reason("a@host?x"))
        XCTAssertNotNil(reason("a@host#x"))
        XCTAssertNotNil(reason("a@ho st"))
        XCTAssertNotNil(reason("a@host\r\nPASS x"))
        XCTAssertNotNil(reason("a@-host"))
        XCTAssertNotNil(reason("a@999.1.1.1"))
        XCTAssertNotNil(reason("a@h\u{e9}st"))
        XCTAssertNotNil(reason("a@" + String(repeating: "a", count: 64) + ".com"))
        XCTAssertNotNil(reason("a@" + String(repeating: "a.", count: 200) + "com"))
        XCTAssertNotNil(reason(String(repeating: "x", count: 2000) + "@host"))
        XCTAssertNotNil(reason("a\u{1}b@host"))
    }

    func testErrorTextNamesTheArgumentPrintably() {
        do {
            _ = try parse("a\u{7}@host:x")
            XCTFail("expected an error")
        } catch let error as ForwardDestinationError {
            XCTAssertFalse(error.description.contains("\u{7}"))
            XCTAssertTrue(error.description.contains("names no usable destination"))
        } catch {
            XCTFail("unexpected \(error)")
        }
    }
}
