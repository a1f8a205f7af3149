import XCTest
@testable import ProxyCore

final class ProxyProtocolRoundTripTests: XCTestCase {
    private let allAddresses: [ProxyProtocolAddresses] = [
        .inet(source: PP.ipA, sourcePort: 56324, destination: PP.ipB, destinationPort: 21),
        .inet(source: [0, 0, 0, 0], sourcePort: 1, destination: [255, 255, 255, 255], destinationPort: 65535),
        .inet6(source: PP.ip6A, sourcePort: 40000, destination: PP.ip6B, destinationPort: 990),
        .inet6(source: [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 10, 0, 0, 1], sourcePort: 2,
               destination: [UInt8](repeating: 0xFF, count: 16), destinationPort: 3),
        .unix(source: PP.bytes("/run/haproxy.sock"), destination: PP.bytes("/run/" + String(repeating: "d", count: 103))),
        .unix(source: [0] + PP.bytes("abstract"), destination: []),
        .unspecified,
    ]

    private let sampleTLVs: [ProxyProtocolTLV] = [
        ProxyProtocolTLV(type: ProxyProtocolTLVType.alpn, text: "ftp"),
        ProxyProtocolTLV(type: ProxyProtocolTLVType.authority, text: "ftp.example.com"),
        ProxyProtocolTLV(type: ProxyProtocolTLVType.uniqueID, value: (0..<128).map { UInt8($0) }),
        ProxyProtocolTLV(type: ProxyProtocolTLVType.noop, value: []),
        ProxyProtocolTLV(type: 0xE5, value: [0, 1, 0xFF]),
    ]

    func testV2RoundTripsEveryFamilyCommandTransportAndCRCChoice() throws {
        for addresses in allAddresses {
            for command in [ProxyProtocolCommand.proxy, .local] {
                for transport in [ProxyProtocolTransport.stream, .dgram] {
                    for tlvs in [[], sampleTLVs] {
                        for crc in [false, true] {
                            let bytes = try ProxyProtocolHeaderEncoder.encodeV2(command: command, transport: transport,
                                                                        addresses: addresses, tlvs: tlvs, addCRC32C: crc)
                            let context = "\(addresses) \(command) \(transport) tlvs=\(tlvs.count) crc=\(crc)"
                            let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(
                                bytes + PP.bytes("SSH-2.0-x\r\n"), accepting: .auto)), context)
                            XCTAssertEqual(result.consumed, bytes.count, context)
                            let header = result.header
                            XCTAssertEqual(header.version, 2)
                            XCTAssertEqual(header.command, command, context)
                            if command == .local || addresses == .unspecified {
                                XCTAssertEqual(header.addresses, .unspecified, context)
                                XCTAssertEqual(header.transport, .unspecified, context)
                                XCTAssertEqual(header.tlvs, [], context)
                            } else {
                                XCTAssertEqual(header.addresses, addresses, context)
                                XCTAssertEqual(header.transport, transport, context)
                                XCTAssertEqual(header.tlvs.filter { $0.type != ProxyProtocolTLVType.crc32c }, tlvs, context)
                                XCTAssertEqual(header.tlvs.first?.type == ProxyProtocolTLVType.crc32c, crc, context)
                                // Decoded headers re-encode to the same bytes.
                                XCTAssertEqual(try ProxyProtocolHeaderEncoder.encode(header), bytes, context)
                            }
                        }
                    }
                }
            }
        }
    }

    func testV1RoundTripsBothWays() throws {
        for addresses in allAddresses {
            let line = try ProxyProtocolHeaderEncoder.encodeV1(addresses)
            let header = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(line, accepting: .v1))).header
            switch addresses {
            case .inet, .inet6:
                XCTAssertEqual(header.addresses, addresses)
                XCTAssertEqual(header.transport, .stream)
            case .unix, .unspecified:
                XCTAssertEqual(header.addresses, .unspecified)
            }
            // Text -> header -> text is the identity for canonical lines.
            XCTAssertEqual(try ProxyProtocolHeaderEncoder.encode(header), line)
        }
        for name in ["valid-v1-tcp4.bin", "valid-v1-tcp6.bin", "valid-v1-tcp6-longest.bin", "valid-v1-unknown.bin"] {
            let line = ProxyProtocolCorpus.file(name)
            let header = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(line, accepting: .v1))).header
            XCTAssertEqual(try ProxyProtocolHeaderEncoder.encode(header), line, name)
        }
    }

    func testCorpusV2HeadersReEncodeByteForByte() throws {
        for name in ["valid-v2-tcp4.bin", "valid-v2-udp4.bin", "valid-v2-tcp6.bin", "valid-v2-unix.bin",
                     "valid-v2-unspec.bin", "valid-v2-local.bin", "valid-v2-tcp4-tlvs-crc.bin"] {
            let bytes = ProxyProtocolCorpus.file(name)
            let header = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2)), name).header
            XCTAssertEqual(try ProxyProtocolHeaderEncoder.encode(header), bytes, name)
        }
    }

    func testEncodingErrors() {
        func assertThrows(_ expected: ProxyProtocolEncodingError, _ body: () throws -> [UInt8], line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? ProxyProtocolEncodingError, expected, line: line) }
            XCTAssertFalse(expected.description.isEmpty)
        }
        assertThrows(.addressLength(family: "IPv6", count: 4)) {
            try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .inet6(
                source: PP.ipA, sourcePort: 1, destination: PP.ip6B, destinationPort: 2))
        }
        assertThrows(.addressLength(family: "IPv4", count: 16)) {
            try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .inet(
                source: PP.ipA, sourcePort: 1, destination: PP.ip6B, destinationPort: 2))
        }
        assertThrows(.unixPathTooLong(count: 109)) {
            try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .unix(
                source: [UInt8](repeating: 0x61, count: 109), destination: []))
        }
        assertThrows(.tlvValueTooLong(type: 0x05, count: 65536)) {
            try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .unspecified,
                                            tlvs: [ProxyProtocolTLV(type: 0x05, value: [UInt8](repeating: 0, count: 65536))])
        }
        assertThrows(.headerTooLong(payloadLength: 12 + 2 * (3 + 40000))) {
            let big = ProxyProtocolTLV(type: 0x04, value: [UInt8](repeating: 0, count: 40000))
            return try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .inet(
                source: PP.ipA, sourcePort: 1, destination: PP.ipB, destinationPort: 2), tlvs: [big, big])
        }
        assertThrows(.crc32cAlreadyPresent) {
            try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .unspecified,
                                            tlvs: [ProxyProtocolTLV(type: 0x03, value: [0, 0, 0, 0])], addCRC32C: true)
        }
    }

    func testEncodedV2BytesMatchTheSpecLayout() throws {
        let bytes = try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, transport: .dgram, addresses: .inet6(
            source: PP.ip6A, sourcePort: 0x1234, destination: PP.ip6B, destinationPort: 0x0015))
        XCTAssertEqual(Array(bytes.prefix(16)), ProxyProtocolHeaderDecoder.v2Signature + [0x21, 0x22, 0x00, 0x24])
        XCTAssertEqual(Array(bytes[48..<52]), [0x12, 0x34, 0x00, 0x15])
        let local = try ProxyProtocolHeaderEncoder.encodeV2(command: .local, addresses: .unspecified)
        XCTAssertEqual(local, ProxyProtocolHeaderDecoder.v2Signature + [0x20, 0x00, 0x00, 0x00])
        XCTAssertEqual(local, ProxyProtocolCorpus.file("valid-v2-local.bin"))
    }
}
