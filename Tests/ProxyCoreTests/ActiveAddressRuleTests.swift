import XCTest
@testable import ProxyCore

/// Core's PORT/EPRT address rules (core_port/core_eprt), hostile inputs too.
final class ActiveAddressRuleTests: XCTestCase {
    private let client = IPAddress("203.0.113.7")!
    private let listen = IPAddress("198.51.100.1")!

    private func check(_ command: DataCommand, _ address: String, port: UInt16 = 40000,
                       client: IPAddress? = nil, listen: IPAddress? = nil,
                       foreign: @escaping (DataEndpoint) -> Bool = { _ in false }) throws -> ActiveAddressRule.Verdict {
        let endpoint = try DataEndpoint(address: address, port: port)
        return ActiveAddressRule.check(command: command, argument: "arg", endpoint: endpoint,
                                       client: client ?? self.client, listen: listen ?? self.listen,
                                       foreignAllowed: foreign)
    }

    func testOwnAddressIsAccepted() throws {
        XCTAssertEqual(try check(.port, "203.0.113.7"), .accept(try DataEndpoint(address: "203.0.113.7", port: 40000), replaced: nil))
        XCTAssertEqual(try check(.eprt, "203.0.113.7"), .accept(try DataEndpoint(address: "203.0.113.7", port: 40000), replaced: nil))
        // An IPv4-mapped control connection and a plain IPv4 PORT address name one host.
        let mapped = IPAddress("::ffff:203.0.113.7")!
        XCTAssertEqual(try check(.port, "203.0.113.7", client: mapped), .accept(try DataEndpoint(address: "203.0.113.7", port: 40000), replaced: nil))
        XCTAssertEqual(try check(.eprt, "::ffff:203.0.113.7"), .accept(try DataEndpoint(address: "::ffff:203.0.113.7", port: 40000), replaced: nil))
        let v6 = IPAddress("2001:db8::5")!
        XCTAssertEqual(try check(.eprt, "2001:db8::5", client: v6), .accept(try DataEndpoint(address: "2001:db8::5", port: 40000), replaced: nil))
    }

    func testForeignAddressIsRefusedWithCommandName() throws {
        XCTAssertEqual(try check(.port, "203.0.113.8"), .refuse(logLine: "Refused PORT arg (address mismatch)"))
        XCTAssertEqual(try check(.eprt, "203.0.113.8"), .refuse(logLine: "Refused EPRT arg (address mismatch)"))
        XCTAssertEqual(ActiveAddressRule.illegal(.eprt), "Illegal EPRT command")
        XCTAssertEqual(ActiveAddressRule.illegal(.port), "Illegal PORT command")
    }

    func testPORTFromAPlainIPv6ClientIsAFamilyMismatch() throws {
        let v6 = IPAddress("::1")!
        XCTAssertEqual(try check(.port, "127.0.0.1", client: v6), .refuse(logLine: "Refused PORT arg (IPv4/IPv6 address mismatch)"))
        // ... unless AllowForeignAddress allows it, as in core.
        XCTAssertEqual(try check(.port, "127.0.0.1", client: v6, foreign: { _ in true }),
                       .accept(try DataEndpoint(address: "127.0.0.1", port: 40000), replaced: nil))
    }

    func testAllowForeignAddressIsAskedAboutTheForeignAddress() throws {
        var asked: [String] = []
        let verdict = try check(.eprt, "192.0.2.9", foreign: { asked.append($0.address); return $0.address == "192.0.2.9" })
        XCTAssertEqual(verdict, .accept(try DataEndpoint(address: "192.0.2.9", port: 40000), replaced: nil))
        XCTAssertEqual(asked, ["192.0.2.9"])
    }

    func testLowPortIsRefusedEvenWhenForeignIsAllowed() throws {
        XCTAssertEqual(try check(.port, "203.0.113.7", port: 1023),
                       .refuse(logLine: "Refused PORT arg (port 1023 below 1024, possible bounce attack)"))
        XCTAssertEqual(try check(.eprt, "192.0.2.9", port: 25, foreign: { _ in true }),
                       .refuse(logLine: "Refused EPRT arg (port 25 below 1024, possible bounce attack)"))
        XCTAssertEqual(try check(.eprt, "203.0.113.7", port: 1024),
                       .accept(try DataEndpoint(address: "203.0.113.7", port: 1024), replaced: nil))
    }

    func testRFC1918AddressFromAPublicClientIsReplaced() throws {
        XCTAssertEqual(try check(.port, "192.168.1.20"),
                       .accept(try DataEndpoint(address: "203.0.113.7", port: 40000), replaced: "192.168.1.20"))
        XCTAssertEqual(try check(.eprt, "10.1.2.3", port: 50000),
                       .accept(try DataEndpoint(address: "203.0.113.7", port: 50000), replaced: "10.1.2.3"))
        // Not when the client or the server is on a private network itself.
        XCTAssertEqual(try check(.port, "192.168.1.20", client: IPAddress("10.0.0.1")!),
                       .refuse(logLine: "Refused PORT arg (address mismatch)"))
        XCTAssertEqual(try check(.port, "192.168.1.20", listen: IPAddress("172.16.0.1")!),
                       .refuse(logLine: "Refused PORT arg (address mismatch)"))
    }

    func testRFC1918Ranges() {
        for text in ["10.0.0.0", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.0.1", "::ffff:10.1.1.1"] {
            XCTAssertTrue(IPAddress(text)!.isRFC1918, text)
        }
        for text in ["9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "192.167.1.1", "192.169.0.1",
                     "127.0.0.1", "fd00::1", "::a01:101"] {
            XCTAssertFalse(IPAddress(text)!.isRFC1918, text)
        }
    }

    func testEPRTFamilyAsCoreReadsIt() {
        XCTAssertEqual(EPRTArgument.networkProtocol("|1|1.2.3.4|5|"), 1)
        XCTAssertEqual(EPRTArgument.networkProtocol("|2|::1|5|"), 2)
        XCTAssertEqual(EPRTArgument.networkProtocol("|01|garbage"), 1)
        XCTAssertEqual(EPRTArgument.networkProtocol("|3|1.2.3.4|5|"), 3)
        XCTAssertEqual(EPRTArgument.networkProtocol("|1"), 1)
        for text in ["||1.2.3.4|5|", "|x|", "", "|", "|99999999999999999999|", "|\u{0}1|"] {
            XCTAssertNil(EPRTArgument.networkProtocol(text), text)
        }
    }
}
