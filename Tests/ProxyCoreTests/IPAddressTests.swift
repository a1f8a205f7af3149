import ProxyCore
import XCTest

/// The one address type: parsing, printing, and the IPv4-mapped rule.
final class IPAddressTests: XCTestCase {
    func testParsesAndPrintsBothFamilies() {
        XCTAssertEqual(IPAddress("10.0.0.1")?.bytes, [10, 0, 0, 1])
        XCTAssertEqual(IPAddress("2001:DB8:0:0::1")?.description, "2001:db8::1")
        XCTAssertEqual(IPAddress("::1")?.isIPv6, true)
        XCTAssertEqual(IPAddress.ipv4("10.0.0.1")?.isIPv4, true)
        XCTAssertNil(IPAddress.ipv4("::1"))
        XCTAssertNil(IPAddress.ipv6("10.0.0.1"))
    }

    func testRefusesWhatIsNotANumericAddress() {
        for bad in ["", "1.2.3", "01.2.3.4", "1.2.3.4.5", "256.1.1.1", "host.example", "[::1]", "fe80::1%eth0",
                    "1.2.3.4\u{0}", " 1.2.3.4", "1.2.3.4 ", ":::", String(repeating: "1", count: 10_000)] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        XCTAssertNil(IPAddress(bytes: []))
        XCTAssertNil(IPAddress(bytes: [1, 2, 3]))
        XCTAssertNil(IPAddress(bytes: [UInt8](repeating: 0, count: 17)))
    }

    func testTheIPv4MappedRule() {
        let mapped = IPAddress("::ffff:192.0.2.7")!
        XCTAssertTrue(mapped.isIPv4Mapped)
        XCTAssertEqual(mapped.unmapped, IPAddress("192.0.2.7"))
        XCTAssertEqual(mapped.ipv4Bytes, [192, 0, 2, 7])
        XCTAssertTrue(mapped.isSameHost(as: IPAddress("192.0.2.7")!))
        XCTAssertTrue(IPAddress("192.0.2.7")!.isSameHost(as: mapped))
        XCTAssertFalse(mapped.isSameHost(as: IPAddress("192.0.2.8")!))
        // Look-alikes that are not mapped addresses.
        XCTAssertFalse(IPAddress("::192.0.2.7")!.isIPv4Mapped, "IPv4-compatible, not mapped")
        XCTAssertFalse(IPAddress("64:ff9b::192.0.2.7")!.isIPv4Mapped, "NAT64 prefix")
        XCTAssertNil(IPAddress("2001:db8::1")!.ipv4Bytes)
        XCTAssertEqual(IPAddress("2001:db8::1")!.unmapped, IPAddress("2001:db8::1"))
    }
}
