import XCTest
@testable import ProxyCore

final class ProxyProtocolV2Tests: XCTestCase {
    private let signature = ProxyProtocolHeaderDecoder.v2Signature
    private let tcp4Block: [UInt8] = PP.ipA + PP.ipB + [0xDC, 0x04, 0x00, 0x15]  // 56324 -> 21

    private func header(_ versionCommand: UInt8, _ family: UInt8, _ payload: [UInt8]) -> [UInt8] {
        signature + [versionCommand, family, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }

    private func tlv(_ type: UInt8, _ value: [UInt8]) -> [UInt8] {
        [type, UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
    }

    // MARK: Accepted headers

    func testTCP4Header() throws {
        let bytes = ProxyProtocolCorpus.file("valid-v2-tcp4.bin")
        XCTAssertEqual(bytes, header(0x21, 0x11, tcp4Block))
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2)))
        XCTAssertEqual(result.consumed, 28)
        XCTAssertEqual(result.header, ProxyProtocolHeader(
            version: 2, command: .proxy, transport: .stream,
            addresses: .inet(source: PP.ipA, sourcePort: 56324, destination: PP.ipB, destinationPort: 21)))
    }

    func testTCP6Header() throws {
        let bytes = ProxyProtocolCorpus.file("valid-v2-tcp6.bin")
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .auto)))
        XCTAssertEqual(result.consumed, 52)
        XCTAssertEqual(result.header.addresses,
                       .inet6(source: PP.ip6A, sourcePort: 56324, destination: PP.ip6B, destinationPort: 21))
        XCTAssertEqual(result.header.addresses.sourceText, "2001:db8::1")
    }

    func testDatagramTransport() throws {
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(
            ProxyProtocolCorpus.file("valid-v2-udp4.bin"), accepting: .v2)))
        XCTAssertEqual(result.header.transport, .dgram)
    }

    func testUnixHeaderTrimsPathPadding() throws {
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(
            ProxyProtocolCorpus.file("valid-v2-unix.bin"), accepting: .v2)))
        XCTAssertEqual(result.consumed, 16 + 216)
        XCTAssertEqual(result.header.addresses, .unix(source: PP.bytes("/run/haproxy/client.sock"),
                                                      destination: PP.bytes("/run/proftpd/ftp.sock")))
        XCTAssertEqual(result.header.addresses.destinationText, "/run/proftpd/ftp.sock")
        // A filesystem path ends at its NUL; an abstract one keeps its leading NUL.
        XCTAssertEqual(ProxyProtocolV2HeaderParser.unixPath([0x2F, 0x61, 0, 0x7A, 0][...]), [0x2F, 0x61])
        XCTAssertEqual(ProxyProtocolV2HeaderParser.unixPath([0, 0x61, 0x62, 0, 0][...]), [0, 0x61, 0x62])
        XCTAssertEqual(ProxyProtocolV2HeaderParser.unixPath([0, 0, 0][...]), [])
    }

    func testUnspecifiedFamilyIgnoresItsPayload() throws {
        let bytes = header(0x21, 0x00, [1, 2, 3, 4, 5])
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2)))
        XCTAssertEqual(result.consumed, 21)
        XCTAssertEqual(result.header, ProxyProtocolHeader(version: 2, command: .proxy, transport: .unspecified,
                                                  addresses: .unspecified))
        XCTAssertFalse(result.header.carriesClientAddress)
    }

    func testLocalCommandDiscardsTheBlockWhateverTheFamily() throws {
        let expected = ProxyProtocolHeader(version: 2, command: .local, transport: .unspecified, addresses: .unspecified)
        for (family, payload) in [(UInt8(0x00), [UInt8]()), (0x11, tcp4Block), (0x77, [9, 9]), (0x21, [1])] {
            let bytes = header(0x20, family, payload) + PP.bytes("USER x\r\n")
            let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2)))
            XCTAssertEqual(result.header, expected)
            XCTAssertEqual(result.consumed, 16 + payload.count)
            XCTAssertFalse(result.header.carriesClientAddress)
        }
    }

    func testTrailingBytesAreNotConsumed() throws {
        let bytes = ProxyProtocolCorpus.file("valid-v2-tcp6-trailing-tls.bin")
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2)))
        XCTAssertEqual(result.consumed, 16 + 36 + 6)
        XCTAssertEqual(Array(bytes[result.consumed...].prefix(3)), [0x16, 0x03, 0x01])
    }

    func testTLVsAreKeptInOrderAndCRC32CIsVerified() throws {
        let bytes = ProxyProtocolCorpus.file("valid-v2-tcp4-tlvs-crc.bin")
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .v2)))
        XCTAssertEqual(result.consumed, bytes.count)
        XCTAssertEqual(result.header.tlvs.map(\.type), [0x01, 0x02, 0x05, 0x20, 0x30, 0x04, 0xEA, 0xEE, 0xE0, 0x03])
        XCTAssertEqual(result.header.tlv(ProxyProtocolTLVType.alpn)?.value, PP.bytes("ftp"))
        XCTAssertEqual(result.header.tlv(ProxyProtocolTLVType.netns)?.value, PP.bytes("blue"))
        let ssl = try XCTUnwrap(result.header.ssl)
        XCTAssertEqual(ssl.client, [.ssl, .certificateOnConnection, .certificateInSession])
        XCTAssertEqual(ssl.verify, 0)
        XCTAssertEqual(ssl.version, "TLSv1.3")
        XCTAssertEqual(ssl.commonName, "client.example.com")
        XCTAssertEqual(ssl.cipher, "TLS_AES_256_GCM_SHA384")
        XCTAssertEqual(ssl.signatureAlgorithm, "RSA-SHA256")
        XCTAssertEqual(ssl.keyAlgorithm, "RSA2048")

        // Any flipped bit in the checksummed header is caught.
        for index in [0, 13, 17, 32, bytes.count - 12, bytes.count - 1] {
            var corrupted = bytes
            corrupted[index] ^= 0x40
            guard case let .invalid(error) = ProxyProtocolHeaderDecoder.decode(corrupted, accepting: .v2) else {
                return XCTFail("corruption at \(index) went unnoticed")
            }
            if index >= 28 {
                guard case .crc32cMismatch = error else { return XCTFail("\(index): \(error)") }
            }
        }
    }

    func testCRC32CMismatchNamesBothValues() throws {
        var bytes = try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .inet(
            source: PP.ipA, sourcePort: 1, destination: PP.ipB, destinationPort: 2), addCRC32C: true)
        let good = bytes[31...34].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        bytes[34] ^= 0xFF
        PP.assertInvalid(bytes, accepting: .v2, .crc32cMismatch(received: good ^ 0xFF, computed: good))
        XCTAssertTrue(ProxyProtocolError.crc32cMismatch(received: 0xAB, computed: 0x1234).description
            .contains("0x000000AB"))
    }

    func testCRC32CLengthAndDuplicates() {
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x03, [1, 2, 3])), accepting: .v2, .crc32cBadLength(3))
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x03, [0, 0, 0, 0]) + tlv(0x03, [0, 0, 0, 0])),
                         accepting: .v2, .crc32cDuplicate)
    }

    // MARK: Rejections

    func testBadSignatureAfterTheFirstSixBytes() {
        let bytes = ProxyProtocolCorpus.file("invalid-v2-bad-signature.bin")
        PP.assertInvalid(bytes, accepting: .v2, .notProxyProtocol(prefix: Array(bytes.prefix(12)), expected: .v2,
                                                                  looksLike: nil))
        // Detected at 12 bytes, before the fixed header is complete.
        PP.assertInvalid(Array(bytes.prefix(12)), accepting: .v2,
                         .notProxyProtocol(prefix: Array(bytes.prefix(12)), expected: .v2, looksLike: nil))
    }

    func testV2IsNotAcceptedWhenOnlyV1Is() {
        let bytes = ProxyProtocolCorpus.file("valid-v2-tcp4.bin")
        PP.assertInvalid(bytes, accepting: .v1, .notProxyProtocol(prefix: Array(bytes.prefix(6)), expected: .v1,
                                                                  looksLike: .proxyV2))
    }

    func testBadVersionCommandAndFamily() {
        PP.assertInvalid(header(0x11, 0x11, tcp4Block), accepting: .v2, .v2UnsupportedVersion(0x11))
        PP.assertInvalid(header(0x31, 0x11, tcp4Block), accepting: .v2, .v2UnsupportedVersion(0x31))
        PP.assertInvalid(header(0x22, 0x11, tcp4Block), accepting: .v2, .v2UnsupportedCommand(0x22))
        PP.assertInvalid(header(0x2F, 0x11, tcp4Block), accepting: .v2, .v2UnsupportedCommand(0x2F))
        for family: UInt8 in [0x01, 0x02, 0x10, 0x13, 0x23, 0x33, 0x41, 0xFF] {
            PP.assertInvalid(header(0x21, family, tcp4Block), accepting: .v2, .v2UnsupportedFamily(family))
        }
    }

    func testAddressBlockShorterThanFamilyRequires() {
        PP.assertInvalid(header(0x21, 0x11, Array(tcp4Block.prefix(11))), accepting: .v2,
                         .v2AddressBlockTooShort(family: 0x11, length: 11, required: 12))
        PP.assertInvalid(header(0x21, 0x21, tcp4Block), accepting: .v2,
                         .v2AddressBlockTooShort(family: 0x21, length: 12, required: 36))
        PP.assertInvalid(header(0x21, 0x31, [UInt8](repeating: 0x41, count: 215)), accepting: .v2,
                         .v2AddressBlockTooShort(family: 0x31, length: 215, required: 216))
        // Rejected from the fixed 16 bytes alone, without waiting for the block.
        PP.assertInvalid(Array(header(0x21, 0x21, tcp4Block).prefix(16)), accepting: .v2,
                         .v2AddressBlockTooShort(family: 0x21, length: 12, required: 36))
    }

    func testDeclaredLengthLimit() throws {
        let huge = signature + [0x21, 0x11, 0xFF, 0xFF]
        PP.assertInvalid(huge, accepting: .v2, .v2PayloadTooLarge(length: 65535, limit: 4096))
        let padded = header(0x21, 0x11, tcp4Block + tlv(0x04, [UInt8](repeating: 0, count: 5000)))
        PP.assertInvalid(padded, accepting: .v2, .v2PayloadTooLarge(length: 5015, limit: 4096))
        let roomy = ProxyProtocolHeaderLimits(maxV2PayloadLength: 8000)
        XCTAssertEqual(try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(padded, accepting: .v2, limits: roomy)))
            .consumed, padded.count)
        XCTAssertEqual(ProxyProtocolHeaderLimits(maxV2PayloadLength: 10).maxV2PayloadLength, 216)
        XCTAssertEqual(ProxyProtocolHeaderLimits(maxV2PayloadLength: 1 << 20).maxV2PayloadLength, 65535)
        XCTAssertEqual(ProxyProtocolHeaderLimits.default.maxHeaderLength, 16 + 4096)
    }

    func testTLVOverrunsAndTruncation() {
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + [0x02, 0x00, 0x05, 0x61]), accepting: .v2,
                         .tlvOverrun(type: 0x02, offset: 28, declared: 5, available: 1))
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x01, [0x61]) + [0x05]), accepting: .v2,
                         .tlvHeaderTruncated(offset: 32, remaining: 1))
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + [0xEA, 0xFF, 0xFF]), accepting: .v2,
                         .tlvOverrun(type: 0xEA, offset: 28, declared: 65535, available: 0))
    }

    func testSSLTLVNesting() {
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x20, [1, 0, 0])), accepting: .v2,
                         .sslTLVTooShort(length: 3))
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x20, [1, 0, 0, 0, 0, 0x21, 0])), accepting: .v2,
                         .sslSubTLVHeaderTruncated(offset: 5, remaining: 2))
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x20, [1, 0, 0, 0, 0] + tlv(0x21, PP.bytes("TLSv1.2"))
                                                                   + [0x22, 0x00, 0x10, 0x61])),
                         accepting: .v2, .sslSubTLVOverrun(type: 0x22, offset: 15, declared: 16, available: 1))
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x20, [1, 0, 0, 0, 0] + tlv(0x03, [0, 0, 0, 0]))),
                         accepting: .v2, .sslSubTLVNotAllowed(type: 0x03))
        PP.assertInvalid(header(0x21, 0x11, tcp4Block + tlv(0x20, [1, 0, 0, 0, 0] + tlv(0x20, [1, 0, 0, 0, 0]))),
                         accepting: .v2, .sslSubTLVNotAllowed(type: 0x20))
        // An unregistered sub-TLV is carried, not rejected.
        XCTAssertNotNil(PP.complete(ProxyProtocolHeaderDecoder.decode(
            header(0x21, 0x11, tcp4Block + tlv(0x20, [1, 0, 0, 0, 0] + tlv(0x26, [1]))), accepting: .v2)))
    }

    func testIdenticalEndpointsAreRejected() {
        PP.assertInvalid(header(0x21, 0x11, PP.ipA + PP.ipA + [0, 21, 0, 21]), accepting: .v2,
                         .identicalEndpoints(address: "192.0.2.1", port: 21))
        PP.assertInvalid(header(0x21, 0x21, PP.ip6A + PP.ip6A + [0, 21, 0, 21]), accepting: .v2,
                         .identicalEndpoints(address: "2001:db8::1", port: 21))
    }

    func testNeedMoreCountsFollowTheDeclaredLength() {
        let bytes = header(0x21, 0x11, tcp4Block + tlv(0x01, PP.bytes("ftp")))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.decode(Array(bytes.prefix(0)), accepting: .v2), .needMore(6))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.decode(Array(bytes.prefix(6)), accepting: .v2), .needMore(10))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.decode(Array(bytes.prefix(16)), accepting: .v2), .needMore(18))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.decode(Array(bytes.prefix(33)), accepting: .v2), .needMore(1))
    }
}
