import XCTest
@testable import ProxyCore

/// Clients that skip the proxy (or a proxy not sending PROXY headers) must
/// get a clear diagnosis, from the first 6 bytes.
final class ProxyProtocolForeignInputTests: XCTestCase {
    private func looksLike(_ bytes: [UInt8], _ mode: ProxyProtocolVersion = .auto) -> ProxyProtocolForeignProtocol? {
        guard case let .invalid(.notProxyProtocol(prefix, expected, foreign)) =
                ProxyProtocolHeaderDecoder.decode(bytes, accepting: mode) else {
            XCTFail("not rejected as foreign: \(ProxyProtocolDiagnosticText.quoted(bytes))")
            return nil
        }
        XCTAssertEqual(prefix, Array(bytes.prefix(6)))
        XCTAssertEqual(expected, mode)
        return foreign
    }

    func testTLSClientHello() {
        let hello = ProxyProtocolCorpus.file("invalid-tls-clienthello.bin")
        for mode in [ProxyProtocolVersion.v1, .v2, .auto] {
            XCTAssertEqual(looksLike(hello, mode), .tlsHandshake)
        }
        XCTAssertEqual(looksLike([0x16, 0x03, 0x03, 0x00, 0x10, 0x01]), .tlsHandshake)
        XCTAssertEqual(looksLike([0x80, 0x2B, 0x01, 0x03, 0x01, 0x00]), .tlsHandshake)  // SSLv2-style hello
        let error = ProxyProtocolError.notProxyProtocol(prefix: Array(hello.prefix(6)), expected: .v1,
                                                        looksLike: .tlsHandshake)
        XCTAssertEqual(error.description, "expected a PROXY protocol v1 header, got what looks like a TLS ClientHello:"
                       + " first bytes 16 03 01 02 00 01 \"\\x16\\x03\\x01\\x02\\x00\\x01\"")
    }

    func testSSHBanner() {
        XCTAssertEqual(looksLike(ProxyProtocolCorpus.file("invalid-ssh-banner.bin")), .sshBanner)
    }

    func testFTPCommands() {
        XCTAssertEqual(looksLike(PP.bytes("USER anonymous\r\n")), .ftpCommand("USER"))
        XCTAssertEqual(looksLike(PP.bytes("AUTH TLS\r\n")), .ftpCommand("AUTH"))
        XCTAssertEqual(looksLike(PP.bytes("feat\r\n")), .ftpCommand("FEAT"))
        XCTAssertEqual(looksLike(PP.bytes("PWD\r\nxx")), .ftpCommand("PWD"))
        XCTAssertEqual(looksLike(PP.bytes("DELE f\r\n")), .ftpCommand("DELE"))
        XCTAssertTrue(ProxyProtocolError.notProxyProtocol(prefix: PP.bytes("AUTH T"), expected: .auto,
                                                          looksLike: .ftpCommand("AUTH"))
            .description.contains("an FTP command (AUTH)"))
    }

    func testHTTPRequests() {
        XCTAssertEqual(looksLike(PP.bytes("GET / HTTP/1.1\r\n")), .httpRequest("GET"))
        XCTAssertEqual(looksLike(PP.bytes("POST /x HTTP/1.1\r\n")), .httpRequest("POST"))
        XCTAssertEqual(looksLike(PP.bytes("DELETE /x HTTP/1.1\r\n")), .httpRequest("DELETE"))
    }

    func testUnrecognisedOpeningsAreStillRejected() {
        XCTAssertNil(looksLike([0, 0, 0, 0, 0, 0]))
        XCTAssertNil(looksLike(PP.bytes("HELLO WORLD")))
        XCTAssertNil(looksLike(PP.bytes("\r\n\r\n\r\n")))
        XCTAssertTrue(ProxyProtocolError.notProxyProtocol(prefix: [0, 0x41], expected: .v2, looksLike: nil)
            .description.contains("an unrecognised opening: first bytes 00 41 \"\\x00A\""))
    }

    func testEarlyRejectionNeedsOnlySixBytes() {
        XCTAssertEqual(ProxyProtocolHeaderDecoder.decode(PP.bytes("SSH-2"), accepting: .v1), .needMore(1))
        XCTAssertEqual(looksLike(PP.bytes("SSH-2."), .v1), .sshBanner)
    }
}
