import XCTest
@testable import ProxyCore

/// The decoder is meant for a socket reader that must not read past the
/// header: check that exact reads, byte-by-byte feeding and whole-buffer
/// (peeked) decoding all agree, and that needMore never overshoots.
final class ProxyProtocolIncrementalTests: XCTestCase {
    private let modes: [ProxyProtocolVersion] = [.v1, .v2, .auto]

    func testEveryCorpusFileDecodesTheSameWayWholeByteByByteAndByExactReads() {
        for (name, bytes) in ProxyProtocolCorpus.load() {
            for mode in modes {
                let whole = ProxyProtocolHeaderDecoder.decode(bytes, accepting: mode)
                let context = "\(name) \(mode)"
                let stepwise = PP.byteByByte(bytes, accepting: mode)
                let (exact, read) = PP.readExactly(bytes, accepting: mode)
                switch whole {
                case let .complete(_, consumed):
                    XCTAssertEqual(stepwise, whole, context)
                    XCTAssertEqual(exact, whole, context)
                    XCTAssertEqual(read, consumed, "reader overran the header: \(context)")
                case .invalid:
                    XCTAssertEqual(stepwise, whole, context)
                    XCTAssertEqual(exact, whole, context)
                case .needMore:
                    // Partial files: EOF is reported as truncation.
                    XCTAssertEqual(exact, .invalid(.truncated(received: bytes.count, expected: mode)), context)
                }
            }
        }
    }

    func testNeedMoreNeverReachesPastTheEndOfAHeader() throws {
        var headers = ProxyProtocolCorpus.load().filter { $0.name.hasPrefix("valid-") }.map(\.bytes)
        headers.append(try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .unspecified))
        headers.append(PP.bytes("PROXY UNKNOWN\r\n"))
        headers.append(PP.bytes("PROXY TCP6 :: ::1 1 2\r\n"))
        headers.append(PP.bytes("PROXY TCP4 0.0.0.0 0.0.0.0 1 2\r\n"))
        for bytes in headers {
            guard case let .complete(_, consumed) = ProxyProtocolHeaderDecoder.decode(bytes, accepting: .auto) else {
                return XCTFail("not a header: \(bytes)")
            }
            for length in 0..<consumed {
                guard case let .needMore(count) = ProxyProtocolHeaderDecoder.decode(bytes[0..<length], accepting: .auto) else {
                    return XCTFail("prefix \(length)/\(consumed) did not ask for more")
                }
                XCTAssertGreaterThan(count, 0)
                XCTAssertLessThanOrEqual(length + count, consumed, "prefix \(length) of \(ProxyProtocolDiagnosticText.quoted(bytes))")
            }
        }
    }

    func testExactReaderLeavesTheNextProtocolsBytesUnread() throws {
        let payloads = [PP.bytes("USER anonymous\r\n"), [0x16, 0x03, 0x01, 0x00, 0x05], PP.bytes("SSH-2.0-x\r\n")]
        let headers = [
            PP.bytes("PROXY TCP4 10.0.0.1 10.0.0.2 40000 21\r\n"),
            PP.bytes("PROXY UNKNOWN\r\n"),
            try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: .inet6(
                source: PP.ip6A, sourcePort: 5, destination: PP.ip6B, destinationPort: 6),
                tlvs: [ProxyProtocolTLV(type: 1, text: "ftp")], addCRC32C: true),
            try ProxyProtocolHeaderEncoder.encodeV2(command: .local, addresses: .unspecified),
        ]
        for header in headers {
            for payload in payloads {
                let (step, read) = PP.readExactly(header + payload, accepting: .auto)
                guard case let .complete(_, consumed) = step else { return XCTFail("\(step)") }
                XCTAssertEqual(consumed, header.count)
                XCTAssertEqual(read, header.count)
            }
        }
    }

    func testSliceInputWithNonZeroStartIndex() throws {
        let stream = PP.bytes("xxPROXY TCP4 1.1.1.1 2.2.2.2 111 222\r\nUSER")
        let slice = stream[2...]
        let result = try XCTUnwrap(PP.complete(ProxyProtocolHeaderDecoder.decode(slice, accepting: .v1)))
        XCTAssertEqual(result.consumed, 36)
    }

    func testEndOfStreamDiagnosis() {
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream([], accepting: .v1), .truncated(received: 0, expected: .v1))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream(PP.bytes("PROXY TCP4 1.1"), accepting: .auto),
                       .truncated(received: 14, expected: .auto))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream(PP.bytes("PROXY"), accepting: .v1),
                       .truncated(received: 5, expected: .v1))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream(PP.bytes("proxy"), accepting: .v1),
                       .truncated(received: 5, expected: .v1))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream(PP.bytes("QUIT"), accepting: .v1),
                       .truncated(received: 4, expected: .v1))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream(PP.bytes("QUIT\r"), accepting: .v1),
                       .notProxyProtocol(prefix: PP.bytes("QUIT\r"), expected: .v1, looksLike: .ftpCommand("QUIT")))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream([0x16, 0x03, 0x01], accepting: .v2),
                       .notProxyProtocol(prefix: [0x16, 0x03, 0x01], expected: .v2, looksLike: .tlsHandshake))
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream(PP.bytes("PROXY UNKNOWN\r\n"), accepting: .v1), nil)
        XCTAssertEqual(ProxyProtocolHeaderDecoder.errorAtEndOfStream(PP.bytes("PROXY  "), accepting: .v1),
                       .truncated(received: 7, expected: .v1))
        XCTAssertTrue(ProxyProtocolError.truncated(received: 3, expected: .v2).description
            .contains("after 3 byte(s)"))
    }
}
