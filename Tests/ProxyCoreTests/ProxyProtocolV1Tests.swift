import XCTest
@testable import ProxyCore

final class ProxyProtocolV1Tests: XCTestCase {
    private func decode(_ text: String, accepting: ProxyProtocolVersion = .v1) -> ProxyProtocolDecodeStep {
        ProxyProtocolHeaderDecoder.decode(PP.bytes(text), accepting: accepting)
    }

    // MARK: Accepted lines

    func testTCP4LineDecodesAddressesPortsAndExactLength() throws {
        let line = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 21\r\n"
        let result = try XCTUnwrap(PP.complete(decode(line)))
        XCTAssertEqual(result.consumed, line.utf8.count)
        XCTAssertEqual(result.header, ProxyProtocolHeader(
            version: 1, command: .proxy, transport: .stream,
            addresses: .inet(source: PP.ipA, sourcePort: 56324, destination: PP.ipB, destinationPort: 21)))
        XCTAssertEqual(result.header.addresses.sourceText, "192.0.2.1")
        XCTAssertEqual(result.header.addresses.destinationText, "198.51.100.2")
        XCTAssertTrue(result.header.carriesClientAddress)
    }

    func testTCP6LineDecodesAndRendersCompressedText() throws {
        let result = try XCTUnwrap(PP.complete(decode("PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 1 65535\r\n")))
        XCTAssertEqual(result.header.addresses,
                       .inet6(source: PP.ip6A, sourcePort: 1, destination: PP.ip6B, destinationPort: 65535))
        XCTAssertEqual(result.header.addresses.destinationText, "2001:db8::2")
    }

    func testIPv4MappedTCP6AddressCanBeUnmapped() throws {
        let result = try XCTUnwrap(PP.complete(decode("PROXY TCP6 ::ffff:1.2.3.4 ::ffff:5.6.7.8 1000 21\r\n")))
        guard case let .inet6(source, _, destination, _) = result.header.addresses else { return XCTFail() }
        XCTAssertEqual(IPAddress(bytes: source)?.unmapped.bytes, [1, 2, 3, 4])
        XCTAssertEqual(IPAddress(bytes: destination)?.unmapped.bytes, [5, 6, 7, 8])
        XCTAssertEqual(IPAddress(bytes: PP.ip6A)?.unmapped.bytes, PP.ip6A)
        XCTAssertEqual(result.header.addresses.sourceText, "::ffff:1.2.3.4")
    }

    func testUnknownLineMeansAddressesUnknown() throws {
        for line in ["PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\n", "PROXY UNKNOWN  junk  \r\n"] {
            let result = try XCTUnwrap(PP.complete(decode(line)), line)
            XCTAssertEqual(result.consumed, line.utf8.count, line)
            XCTAssertEqual(result.header, ProxyProtocolHeader(version: 1, command: .proxy, transport: .unspecified,
                                                      addresses: .unspecified), line)
            XCTAssertFalse(result.header.carriesClientAddress)
        }
    }

    func testLongestTCP6LineIsAccepted() throws {
        let bytes = ProxyProtocolCorpus.file("valid-v1-tcp6-longest.bin")
        XCTAssertEqual(bytes.count, 104)
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v1)))
        XCTAssertEqual(result.consumed, 104)
        XCTAssertEqual(result.header.addresses.sourcePort, 65535)
    }

    func testLineOf107BytesIsAcceptedAnd108IsTooLong() throws {
        let fill107 = "PROXY UNKNOWN " + String(repeating: "x", count: 107 - 16) + "\r\n"
        XCTAssertEqual(fill107.utf8.count, 107)
        XCTAssertEqual(try XCTUnwrap(PP.complete(decode(fill107))).consumed, 107)

        let fill108 = "PROXY UNKNOWN " + String(repeating: "x", count: 108 - 16) + "\r\n"
        PP.assertInvalid(PP.bytes(fill108), accepting: .v1, .v1LineTooLong(limit: 107))
        // Rejected as soon as 106 bytes without a CR have arrived.
        PP.assertInvalid(Array(PP.bytes(fill108).prefix(106)), accepting: .v1, .v1LineTooLong(limit: 107))
    }

    func testTrailingBytesAreNotConsumed() throws {
        let header = "PROXY TCP4 10.0.0.1 10.0.0.2 40000 21\r\n"
        for trailer in ["USER anonymous\r\n", "\r\n", "\u{16}\u{03}\u{01}", "PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n"] {
            let result = try XCTUnwrap(PP.complete(decode(header + trailer)))
            XCTAssertEqual(result.consumed, header.utf8.count, trailer)
        }
    }

    func testUpstreamAcceptedLine() throws {
        let result = try XCTUnwrap(PP.complete(decode("PROXY TCP4 1.1.1.1 2.2.2.2 111 222\r\n")))
        XCTAssertEqual(result.header.addresses,
                       .inet(source: [1, 1, 1, 1], sourcePort: 111, destination: [2, 2, 2, 2], destinationPort: 222))
    }

    // MARK: Rejections

    func testNonCanonicalKeywordIsRejected() {
        for line in ["proxy TCP4 1.1.1.1 2.2.2.2 111 222\r\n", "Proxy TCP4 1.1.1.1 2.2.2.2 111 222\r\n",
                     "PROXY\tTCP4 1.1.1.1 2.2.2.2 111 222\r\n"] {
            let bytes = PP.bytes(line)
            PP.assertInvalid(bytes, accepting: .v1, .notProxyProtocol(prefix: Array(bytes.prefix(6)), expected: .v1,
                                                                      looksLike: .nonCanonicalProxyV1))
        }
    }

    func testUnsupportedProtocolNames() {
        for name in ["tcp4", "UDP4", "TCP5", "unknown"] {
            PP.assertInvalid(PP.bytes("PROXY \(name) 1.1.1.1 2.2.2.2 111 222\r\n"), .v1UnsupportedProtocol(name))
        }
    }

    func testMissingAndExtraFields() {
        let short = "PROXY TCP4 1.1.1.1 2.2.2.2 111"
        PP.assertInvalid(PP.bytes(short + "\r\n"), .v1MissingFields(line: short, found: 5))
        PP.assertInvalid(PP.bytes("PROXY TCP4\r\n"), .v1MissingFields(line: "PROXY TCP4", found: 2))
        PP.assertInvalid(PP.bytes("PROXY \r\n"), .v1MissingFields(line: "PROXY ", found: 1))
        let long = "PROXY TCP4 1.1.1.1 2.2.2.2 111 222 333"
        PP.assertInvalid(PP.bytes(long + "\r\n"), .v1TooManyFields(line: long, found: 7))
    }

    func testExtraSpacesAreRejectedWithTheirOffset() {
        let doubled = "PROXY TCP4 1.1.1.1  2.2.2.2 111 222"
        PP.assertInvalid(PP.bytes(doubled + "\r\n"), .v1ExtraSpace(line: doubled, offset: 19))
        let leading = "PROXY  TCP4 1.1.1.1 2.2.2.2 111 222"
        PP.assertInvalid(PP.bytes(leading + "\r\n"), .v1ExtraSpace(line: leading, offset: 6))
        let trailing = "PROXY TCP4 1.1.1.1 2.2.2.2 111 222 "
        PP.assertInvalid(PP.bytes(trailing + "\r\n"), .v1ExtraSpace(line: trailing, offset: 34))
    }

    func testBadAddresses() {
        PP.assertInvalid(PP.bytes("PROXY TCP4 foo 2.2.2.2 111 222\r\n"),
                         .v1InvalidAddress(field: .sourceAddress, value: "foo"))
        PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 bar 111 222\r\n"),
                         .v1InvalidAddress(field: .destinationAddress, value: "bar"))
        PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 localhost 111 222\r\n"),
                         .v1InvalidAddress(field: .destinationAddress, value: "localhost"))
        PP.assertInvalid(PP.bytes("PROXY TCP4 010.1.1.1 2.2.2.2 111 222\r\n"),
                         .v1InvalidAddress(field: .sourceAddress, value: "010.1.1.1"))
        PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1 2.2.2.2 111 222\r\n"),
                         .v1InvalidAddress(field: .sourceAddress, value: "1.1.1"))
        PP.assertInvalid(PP.bytes("PROXY TCP6 [::1] ::2 111 222\r\n"),
                         .v1InvalidAddress(field: .sourceAddress, value: "[::1]"))
    }

    func testZonedIPv6IsRejected() {
        PP.assertInvalid(PP.bytes("PROXY TCP6 fe80::1%eth0 ::2 111 222\r\n"),
                         .v1ZonedAddress(field: .sourceAddress, value: "fe80::1%eth0"))
        PP.assertInvalid(PP.bytes("PROXY TCP6 ::1 fe80::2%1 111 222\r\n"),
                         .v1ZonedAddress(field: .destinationAddress, value: "fe80::2%1"))
    }

    func testAddressFamilyMustMatchProtocol() {
        PP.assertInvalid(PP.bytes("PROXY TCP4 ::1 2.2.2.2 111 222\r\n"),
                         .v1AddressFamilyMismatch(protocolName: "TCP4", field: .sourceAddress, value: "::1"))
        PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 ::2 111 222\r\n"),
                         .v1AddressFamilyMismatch(protocolName: "TCP4", field: .destinationAddress, value: "::2"))
        PP.assertInvalid(PP.bytes("PROXY TCP6 1.1.1.1 ::2 111 222\r\n"),
                         .v1AddressFamilyMismatch(protocolName: "TCP6", field: .sourceAddress, value: "1.1.1.1"))
        PP.assertInvalid(PP.bytes("PROXY TCP6 ::1 2.2.2.2 111 222\r\n"),
                         .v1AddressFamilyMismatch(protocolName: "TCP6", field: .destinationAddress, value: "2.2.2.2"))
    }

    func testNonCanonicalPorts() {
        for port in ["+80", "-1", "080", "00", "0x50", "8o", "1e3"] {
            PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 2.2.2.2 \(port) 222\r\n"),
                             .v1NonCanonicalPort(field: .sourcePort, value: port))
            PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 2.2.2.2 111 \(port)\r\n"),
                             .v1NonCanonicalPort(field: .destinationPort, value: port))
        }
        PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 2.2.2.2 baz 222\r\n"),
                         .v1NonCanonicalPort(field: .sourcePort, value: "baz"))
    }

    func testPortsOutOfRange() {
        for port in ["0", "65536", "70000", "99999", "184467440737095516160"] {
            PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 2.2.2.2 \(port) 222\r\n"),
                             .v1PortOutOfRange(field: .sourcePort, value: port))
            PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 2.2.2.2 111 \(port)\r\n"),
                             .v1PortOutOfRange(field: .destinationPort, value: port))
        }
    }

    func testIdenticalSourceAndDestinationIsRejected() {
        PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1 1.1.1.1 111 111\r\n"),
                         .identicalEndpoints(address: "1.1.1.1", port: 111))
        // Same address, different ports: a legitimate hairpin connection.
        XCTAssertNotNil(PP.complete(decode("PROXY TCP4 1.1.1.1 1.1.1.1 111 112\r\n")))
    }

    func testControlBytesAreRejectedBeforeTheLineEnds() {
        PP.assertInvalid(PP.bytes("PROXY TCP4 1.1.1.1\u{0}"), .v1InvalidByte(0x00, offset: 18))
        PP.assertInvalid(PP.bytes("PROXY UNKNOWN\n"), .v1InvalidByte(0x0A, offset: 13))
        PP.assertInvalid(PP.bytes("PROXY TCP4\t1.1.1.1"), .v1InvalidByte(0x09, offset: 10))
        PP.assertInvalid([UInt8]("PROXY TCP4 ".utf8) + [0xC3, 0xA9], .v1InvalidByte(0xC3, offset: 11))
        PP.assertInvalid(PP.bytes("PROXY UNKNOWN\rX"), .v1InvalidByte(0x0D, offset: 13))
    }

    func testV1LineIsNotAcceptedWhenOnlyV2Is() {
        let bytes = PP.bytes("PROXY TCP4 1.1.1.1 2.2.2.2 111 222\r\n")
        PP.assertInvalid(bytes, accepting: .v2, .notProxyProtocol(prefix: Array(bytes.prefix(6)), expected: .v2,
                                                                  looksLike: .proxyV1))
    }

    // MARK: Reading strategy

    func testNeedMoreNeverOverrunsTheLine() {
        XCTAssertEqual(decode(""), .needMore(6))
        XCTAssertEqual(decode("PRO"), .needMore(3))
        XCTAssertEqual(decode("PROXY "), .needMore(9))  // "PROXY UNKNOWN\r\n" is 15 bytes
        XCTAssertEqual(decode("PROXY TCP4 "), .needMore(21))  // shortest TCP4 line is 32 bytes
        XCTAssertEqual(decode("PROXY TCP6 "), .needMore(11))  // shortest TCP6 line is 22 bytes
        XCTAssertEqual(decode("PROXY UNKNOWN"), .needMore(2))
        XCTAssertEqual(decode("PROXY UNKNOWN\r"), .needMore(1))
    }

    // MARK: Encoding

    func testEncodeV1Lines() throws {
        XCTAssertEqual(try ProxyProtocolHeaderEncoder.encodeV1(.inet(source: PP.ipA, sourcePort: 56324,
                                                              destination: PP.ipB, destinationPort: 21)),
                       PP.bytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 21\r\n"))
        XCTAssertEqual(try ProxyProtocolHeaderEncoder.encodeV1(.inet6(source: PP.ip6A, sourcePort: 56324,
                                                               destination: PP.ip6B, destinationPort: 21)),
                       ProxyProtocolCorpus.file("valid-v1-tcp6.bin"))
        XCTAssertEqual(try ProxyProtocolHeaderEncoder.encodeV1(.unspecified), PP.bytes("PROXY UNKNOWN\r\n"))
        XCTAssertEqual(try ProxyProtocolHeaderEncoder.encodeV1(.unix(source: PP.bytes("/a"), destination: PP.bytes("/b"))),
                       PP.bytes("PROXY UNKNOWN\r\n"))
        XCTAssertThrowsError(try ProxyProtocolHeaderEncoder.encodeV1(.inet(source: [1, 2, 3], sourcePort: 1,
                                                                   destination: PP.ipB, destinationPort: 2))) {
            XCTAssertEqual($0 as? ProxyProtocolEncodingError, .addressLength(family: "IPv4", count: 3))
        }
    }
}
