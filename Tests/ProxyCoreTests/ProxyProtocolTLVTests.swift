import XCTest
@testable import ProxyCore

final class ProxyProtocolTLVTests: XCTestCase {
    func testSessionNotesUseUpstreamNames() throws {
        let bytes = ProxyProtocolCorpus.file("valid-v2-tcp4-tlvs-crc.bin")
        let header = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2))).header
        let notes = header.sessionNotes.map { ($0.name, $0.text) }
        let expected: [(String, String)] = [
            ("mod_proxy_protocol.alpn", "ftp"),
            ("mod_proxy_protocol.authority", "ftp.example.com"),
            ("mod_proxy_protocol.unique-id", "unique-0123456789"),
            ("mod_proxy_protocol.tls.version", "TLSv1.3"),
            ("mod_proxy_protocol.tls.common-name", "client.example.com"),
            ("mod_proxy_protocol.tls.cipher", "TLS_AES_256_GCM_SHA384"),
            ("mod_proxy_protocol.tls.signature-algo", "RSA-SHA256"),
            ("mod_proxy_protocol.tls.key-algo", "RSA2048"),
            ("mod_proxy_protocol.aws.vpc-endpoint-id", "vpce-08d2bf15fac5001c9"),
            ("mod_proxy_protocol.azure.private-endpoint-linkid", "305419896"),
            ("mod_proxy_protocol.tlv.0xE0", "000000000000002a"),
        ]
        XCTAssertEqual(notes.map(\.0), expected.map(\.0))
        XCTAssertEqual(notes.map(\.1), expected.map(\.1))
    }

    func testNotesSkipControlTLVsMalformedVendorValuesAndDuplicates() {
        let tlvs = [
            ProxyProtocolTLV(type: ProxyProtocolTLVType.crc32c, value: [0, 0, 0, 0]),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.noop, value: [1]),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.netns, text: "blue"),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.aws, value: [0x02] + PP.bytes("other")),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.aws, value: []),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.azure, value: [0x01, 1, 2, 3]),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.ssl, value: [1, 0]),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.alpn, text: "first"),
            ProxyProtocolTLV(type: ProxyProtocolTLVType.alpn, text: "second"),
            ProxyProtocolTLV(type: 0x7F, value: [0x00, 0xAB]),
        ]
        XCTAssertEqual(ProxyProtocolSessionNotes.notes(for: tlvs), [
            ProxyProtocolSessionNote(name: "mod_proxy_protocol.alpn", text: "first"),
            ProxyProtocolSessionNote(name: "mod_proxy_protocol.tlv.0x7F", text: "00ab"),
        ])
    }

    func testAzureLinkIDIsLittleEndianDecimal() {
        let notes = ProxyProtocolSessionNotes.notes(for: [ProxyProtocolTLV(type: 0xEE, value: [0x01, 0xFF, 0xFF, 0xFF, 0xFF])])
        XCTAssertEqual(notes, [ProxyProtocolSessionNote(name: "mod_proxy_protocol.azure.private-endpoint-linkid",
                                                text: "4294967295")])
        let small = ProxyProtocolSessionNotes.notes(for: [ProxyProtocolTLV(type: 0xEE, value: [0x01, 0x07, 0x00, 0x00, 0x00])])
        XCTAssertEqual(small.first?.text, "7")
    }

    func testSSLBuilderProducesTheWireLayoutAndParsesBack() throws {
        let info = ProxyProtocolSSLInfo(client: [.ssl, .certificateOnConnection], verified: true, version: "TLSv1.2",
                                cipher: "ECDHE-RSA-AES128-GCM-SHA256", commonName: "alice")
        let tlv = try info.encodedTLV()
        XCTAssertEqual(tlv.type, 0x20)
        XCTAssertEqual(Array(tlv.value.prefix(5)), [0x03, 0, 0, 0, 0])
        XCTAssertEqual(Array(tlv.value[5..<15]), [0x21, 0x00, 0x07] + PP.bytes("TLSv1.2"))
        XCTAssertEqual(try ProxyProtocolSSLInfo.parse(tlv.value).get(), info)

        let unverified = ProxyProtocolSSLInfo(verified: false)
        XCTAssertEqual(try unverified.encodedTLV().value, [0x01, 0, 0, 0, 1])

        let bytes = try ProxyProtocolHeaderEncoder.encodeV2(
            command: .proxy, addresses: .inet(source: PP.ipA, sourcePort: 1, destination: PP.ipB, destinationPort: 2),
            tlvs: [tlv], addCRC32C: true)
        let header = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2))).header
        XCTAssertEqual(header.ssl, info)
        XCTAssertEqual(header.sessionNotes.map(\.name), ["mod_proxy_protocol.tls.version",
                                                         "mod_proxy_protocol.tls.common-name",
                                                         "mod_proxy_protocol.tls.cipher"])
    }

    func testSSLBuilderRejectsOversizedValues() {
        let info = ProxyProtocolSSLInfo(client: .ssl, verify: 0,
                                subTLVs: [ProxyProtocolTLV(type: 0x22, value: [UInt8](repeating: 0x61, count: 65533))])
        XCTAssertThrowsError(try info.encodedTLV()) {
            XCTAssertEqual($0 as? ProxyProtocolEncodingError, .tlvValueTooLong(type: 0x20, count: 5 + 3 + 65533))
        }
    }

    func testIPAddressText() {
        XCTAssertEqual(IPAddress(bytes: [127, 0, 0, 1])?.description, "127.0.0.1")
        XCTAssertEqual(IPAddress(bytes: [UInt8](repeating: 0, count: 15) + [1])?.description, "::1")
        XCTAssertEqual(IPAddress(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])?.description,
                       "2001:db8:0:1::1")
        XCTAssertNil(IPAddress(bytes: [1, 2, 3]))
        XCTAssertEqual(IPAddress.ipv4("10.0.0.1")?.bytes, [10, 0, 0, 1])
        XCTAssertNil(IPAddress.ipv4("10.0.0.1\u{0}junk"))
        XCTAssertNil(IPAddress.ipv4("256.0.0.1"))
        XCTAssertNil(IPAddress.ipv6("fe80::1%lo"))
        XCTAssertEqual(IPAddress.ipv6("::")?.bytes, [UInt8](repeating: 0, count: 16))
    }
}
