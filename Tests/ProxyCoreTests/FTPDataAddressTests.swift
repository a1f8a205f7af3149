import XCTest
@testable import ProxyCore

final class FTPDataAddressTests: XCTestCase {
    func testPASVParse() throws {
        let endpoint = try PASVReply.parse("227 Entering Passive Mode (192,168,1,2,19,137).")
        XCTAssertEqual(endpoint.address, "192.168.1.2")
        XCTAssertEqual(endpoint.port, 19 * 256 + 137)
        XCTAssertEqual(endpoint.family, .ipv4)

        XCTAssertEqual(try PASVReply.parse("227 =10,0,0,1,4,1").port, 1025)
        XCTAssertEqual(try PASVReply.parse("227 Entering Passive Mode 10,0,0,1,4,1").address, "10.0.0.1")
        XCTAssertEqual(try PASVReply.parse("227 Passive (10, 0, 0, 1, 4, 1)").address, "10.0.0.1")
        XCTAssertEqual(try PASVReply.parse("227 Mode2 v3 (1,2,3,4,0,21)").address, "1.2.3.4")
        XCTAssertEqual(try PASVReply.parse("Entering Passive Mode (127,0,0,1,255,255)").port, 65535)
        XCTAssertEqual(try PASVReply.parse("227 Entering Passive Mode (0,0,0,0,4,1)").address, "0.0.0.0")
    }

    func testPASVParseFromReply() throws {
        var parser = FTPReplyParser()
        let reply = try XCTUnwrap(try parser.feed(Array("227 Entering Passive Mode (1,2,3,4,5,6)\r\n".utf8)).first)
        XCTAssertEqual(try PASVReply.parse(reply), try DataEndpoint(address: "1.2.3.4", port: 1286))
        let wrong = try FTPReply(code: 500, message: "(1,2,3,4,5,6)")
        XCTAssertThrowsError(try PASVReply.parse(wrong))
    }

    func testPASVRejects() {
        for text in ["227 Entering Passive Mode", "227 (1,2,3,4,5)", "227 (256,0,0,1,4,1)", "227 (1,2,3,4,5,256)",
                     "227 (1,2,3,4,0,0)", "227 (1,2,3,4,5,-6)", "227 (1;2;3;4;5;6)", "", "227 (1000,2,3,4,5,6)",
                     "227 (99999999999999999999,2,3,4,5,6)"] {
            XCTAssertThrowsError(try PASVReply.parse(text), text)
        }
        XCTAssertThrowsError(try PASVReply.parse("227 (300,0,0,1,4,1)")) { error in
            XCTAssertEqual((error as? DataAddressError)?.reason, "number 300 is out of range (0-255)")
        }
    }

    func testPASVFormat() throws {
        XCTAssertEqual(try PASVReply.format(ipv4: "192.168.1.2", port: 5001),
                       "227 Entering Passive Mode (192,168,1,2,19,137).")
        XCTAssertEqual(try PASVReply.format(ipv4: "::ffff:10.0.0.1", port: 1025),
                       "227 Entering Passive Mode (10,0,0,1,4,1).")
        XCTAssertThrowsError(try PASVReply.format(ipv4: "::1", port: 21))
        XCTAssertThrowsError(try PASVReply.format(ipv4: "example.com", port: 21))
        let round = try PASVReply.parse(try PASVReply.format(ipv4: "8.8.4.4", port: 65535))
        XCTAssertEqual(round, try DataEndpoint(address: "8.8.4.4", port: 65535))
    }

    func testEPSV() throws {
        XCTAssertEqual(try EPSVReply.parse("229 Entering Extended Passive Mode (|||6446|)"), 6446)
        XCTAssertEqual(try EPSVReply.parse("229 Entering Extended Passive Mode (!!!6446!)"), 6446)
        XCTAssertEqual(try EPSVReply.parse("229 (~~~1~)"), 1)
        XCTAssertEqual(try EPSVReply.parse("229 odd (text) (|||65535|)."), 65535)
        XCTAssertEqual(EPSVReply.format(port: 6446), "229 Entering Extended Passive Mode (|||6446|)")
        XCTAssertEqual(try EPSVReply.parse(EPSVReply.format(port: 2121)), 2121)
        for text in ["229 Entering Extended Passive Mode", "229 (|||0|)", "229 (|||65536|)", "229 (||||)",
                     "229 (|!|6446|)", "229 (|||6446!)", "229 (|||6446|", "229 (   6446 )", "229 (|||64a6|)",
                     "229 (\u{7F}\u{7F}\u{7F}1\u{7F})", "229 (111211)", ""] {
            XCTAssertThrowsError(try EPSVReply.parse(text), text)
        }
        XCTAssertThrowsError(try EPSVReply.parse(try FTPReply(code: 227, message: "(|||6446|)")))
    }

    func testPORT() throws {
        let endpoint = try PORTArgument.parse("132,235,1,2,24,131")
        XCTAssertEqual(endpoint.address, "132.235.1.2")
        XCTAssertEqual(endpoint.port, 24 * 256 + 131)
        XCTAssertEqual(try PORTArgument.format(endpoint), "132,235,1,2,24,131")
        XCTAssertEqual(try PORTArgument.format(ipv4: "10.1.2.3", port: 21), "10,1,2,3,0,21")
        for text in ["132,235,1,2,24", "132,235,1,2,24,131,1", "132,235,1,2,24,131 ", " 132,235,1,2,24,131",
                     "256,0,0,1,0,21", "1,2,3,4,0,0", "a,b,c,d,e,f", "1.2.3.4,0,21", "", "1,,2,3,4,5,6"] {
            XCTAssertThrowsError(try PORTArgument.parse(text), text)
        }
        XCTAssertThrowsError(try PORTArgument.format(try DataEndpoint(address: "::1", port: 21)))
    }

    func testEPRT() throws {
        let v4 = try EPRTArgument.parse("|1|132.235.1.2|6275|")
        XCTAssertEqual(v4, try DataEndpoint(address: "132.235.1.2", port: 6275))
        XCTAssertEqual(v4.family, .ipv4)

        let v6 = try EPRTArgument.parse("|2|1080::8:800:200C:417A|5282|")
        XCTAssertEqual(v6.address, "1080::8:800:200c:417a")
        XCTAssertEqual(v6.family, .ipv6)
        XCTAssertEqual(v6.port, 5282)

        XCTAssertEqual(try EPRTArgument.parse("!2!::1!21!").address, "::1")
        XCTAssertEqual(EPRTArgument.format(v4), "|1|132.235.1.2|6275|")
        XCTAssertEqual(EPRTArgument.format(v6), "|2|1080::8:800:200c:417a|5282|")
        XCTAssertEqual(try EPRTArgument.format(address: "::1", port: 2121), "|2|::1|2121|")
        XCTAssertEqual(try EPRTArgument.parse(EPRTArgument.format(v6)), v6)

        for text in ["|1|::1|21|", "|2|1.2.3.4|21|", "|3|1.2.3.4|21|", "|1|1.2.3.4|0|", "|1|1.2.3.4|65536|",
                     "|1|1.2.3.4|21", "1|1.2.3.4|21|", "|1|1.2.3.4|21|x", "|1|1.2.3|21|", "|2|fe80::1%eth0|21|",
                     "|1|1.2.3.4||", "| 1|1.2.3.4|21|", " |1|1.2.3.4|21|", "", "|", "||||", "|1|1.2.3.4|2a|",
                     "|1|host.example.com|21|"] {
            XCTAssertThrowsError(try EPRTArgument.parse(text), text)
        }
        XCTAssertThrowsError(try EPRTArgument.parse("|1|::1|21|")) { error in
            XCTAssertEqual((error as? DataAddressError)?.reason, "'::1' is not an IPv4 address (family 1)")
        }
    }

    func testDataEndpoint() throws {
        XCTAssertEqual(try DataEndpoint(address: "::FFFF:1.2.3.4", port: 1).ipv4Address, "1.2.3.4")
        XCTAssertNil(try DataEndpoint(address: "2001:db8::1", port: 1).ipv4Address)
        XCTAssertEqual(try DataEndpoint(address: "2001:db8::1", port: 21).description, "[2001:db8::1]:21")
        XCTAssertThrowsError(try DataEndpoint(address: "localhost", port: 21))
        XCTAssertThrowsError(try DataEndpoint(address: "1.2.3.4\u{0}", port: 21))
    }
}
