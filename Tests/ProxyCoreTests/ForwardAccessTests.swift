import XCTest
@testable import ProxyCore

final class ForwardAccessTests: XCTestCase {
    private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    func testRFC1918Ranges() {
        for allowed in ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                        "::ffff:10.1.2.3", "::ffff:192.168.0.7"] {
            XCTAssertTrue(ip(allowed).isRFC1918, allowed)
        }
        for other in ["127.0.0.1", "172.15.255.255", "172.32.0.0", "192.169.0.1", "11.0.0.1", "9.255.255.255",
                      "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "0.0.0.0", "255.255.255.255"] {
            XCTAssertFalse(ip(other).isRFC1918, other)
        }
    }

    func testDefaultIsRFC1918Only() {
        XCTAssertEqual(ForwardAccess.decide(client: ip("192.168.3.4"), classSetting: nil, className: nil), .allowed)
        guard case .refused(let line) = ForwardAccess.decide(client: ip("127.0.0.1"), classSetting: nil,
                                                             className: nil) else {
            return XCTFail("loopback must not be allowed by default")
        }
        XCTAssertTrue(line.contains("non-RFC1918 client address 127.0.0.1"), line)
    }

    func testClassSettingWinsBothWays() {
        XCTAssertEqual(ForwardAccess.decide(client: ip("::1"), classSetting: true, className: "local"), .allowed)
        guard case .refused(let line) = ForwardAccess.decide(client: ip("10.1.1.1"), classSetting: false,
                                                             className: "lan") else {
            return XCTFail("ProxyForwardEnabled off must refuse even RFC 1918 clients")
        }
        XCTAssertTrue(line.contains("<Class lan>"), line)
        XCTAssertTrue(line.contains("10.1.1.1"), line)
    }
}
