import Foundation
import XCTest
@testable import ProxyCore

/// Seed corpus in Fixtures/proxy-protocol-corpus (read by path: the test
/// target declares no resources). Naming: `valid-*` decode completely
/// (`*-trailing-*` carry bytes of the next protocol after the header),
/// `invalid-*` are rejected, `partial-*` need more bytes.
enum ProxyProtocolCorpus {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/proxy-protocol-corpus")

    static func load() -> [(name: String, bytes: [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".bin") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                return nil
            }
            return (name, [UInt8](data))
        }
    }

    static func file(_ name: String) -> [UInt8] {
        let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path)
        return data.map { [UInt8]($0) } ?? []
    }
}

/// Shared helpers for the PROXY protocol tests.
enum PP {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let ipA: [UInt8] = [192, 0, 2, 1]
    static let ipB: [UInt8] = [198, 51, 100, 2]
    static let ip6A: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    static let ip6B: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]

    /// Decodes with a simulated socket reader that reads exactly what
    /// `needMore` asks for from `stream`; returns the step and how many
    /// bytes were read. EOF maps to `errorAtEndOfStream`.
    static func readExactly(_ stream: [UInt8], accepting: ProxyProtocolVersion,
                            limits: ProxyProtocolHeaderLimits = .default) -> (step: ProxyProtocolDecodeStep, read: Int) {
        var buffer: [UInt8] = []
        while true {
            let step = ProxyProtocolHeaderDecoder.decode(buffer, accepting: accepting, limits: limits)
            guard case let .needMore(count) = step else { return (step, buffer.count) }
            precondition(count > 0, "needMore(0)")
            if buffer.count == stream.count {
                let error = ProxyProtocolHeaderDecoder.errorAtEndOfStream(buffer, accepting: accepting, limits: limits)
                return (.invalid(error ?? .truncated(received: -1, expected: accepting)), buffer.count)
            }
            buffer += stream[buffer.count..<min(stream.count, buffer.count + count)]
        }
    }

    /// Feeds one byte at a time until the decoder stops asking.
    static func byteByByte(_ stream: [UInt8], accepting: ProxyProtocolVersion,
                           limits: ProxyProtocolHeaderLimits = .default) -> ProxyProtocolDecodeStep {
        var last = ProxyProtocolHeaderDecoder.decode([], accepting: accepting, limits: limits)
        for length in 1...max(1, stream.count) where length <= stream.count {
            guard case .needMore = last else { return last }
            last = ProxyProtocolHeaderDecoder.decode(stream[0..<length], accepting: accepting, limits: limits)
        }
        return last
    }

    static func complete(_ step: ProxyProtocolDecodeStep, file: StaticString = #filePath,
                         line: UInt = #line) -> (header: ProxyProtocolHeader, consumed: Int)? {
        guard case let .complete(header, consumed) = step else {
            XCTFail("expected a complete header, got \(step)", file: file, line: line)
            return nil
        }
        return (header, consumed)
    }

    static func assertInvalid(_ input: [UInt8], accepting: ProxyProtocolVersion = .auto,
                              limits: ProxyProtocolHeaderLimits = .default, _ expected: ProxyProtocolError,
                              file: StaticString = #filePath, line: UInt = #line) {
        let step = ProxyProtocolHeaderDecoder.decode(input, accepting: accepting, limits: limits)
        XCTAssertEqual(step, .invalid(expected), file: file, line: line)
        XCTAssertFalse(expected.description.isEmpty, file: file, line: line)
    }
}

final class ProxyProtocolCorpusTests: XCTestCase {
    func testCorpusIsPresent() {
        let corpus = ProxyProtocolCorpus.load()
        XCTAssertGreaterThanOrEqual(corpus.count, 40, "corpus missing at \(ProxyProtocolCorpus.directory.path)")
    }

    func testEveryCorpusFileMeetsItsNamedExpectation() {
        for (name, bytes) in ProxyProtocolCorpus.load() {
            let step = ProxyProtocolHeaderDecoder.decode(bytes, accepting: .auto)
            switch step {
            case let .complete(_, consumed):
                XCTAssertTrue(name.hasPrefix("valid-"), "\(name) decoded but should not")
                if name.contains("-trailing-") {
                    XCTAssertLessThan(consumed, bytes.count, name)
                } else {
                    XCTAssertEqual(consumed, bytes.count, name)
                }
            case .invalid:
                XCTAssertTrue(name.hasPrefix("invalid-"), "\(name) rejected: \(step)")
            case let .needMore(count):
                XCTAssertTrue(name.hasPrefix("partial-"), "\(name) needs \(count) more")
                XCTAssertGreaterThan(count, 0)
            }
        }
    }

    func testHostileCorpusFilesGetTheirSpecificErrors() {
        let expected: [String: ProxyProtocolError] = [
            "invalid-v1-no-crlf-too-long.bin": .v1LineTooLong(limit: 107),
            "invalid-v1-zoned-ipv6.bin": .v1ZonedAddress(field: .sourceAddress, value: "fe80::1%eth0"),
            "invalid-v1-leading-zero-port.bin": .v1NonCanonicalPort(field: .sourcePort, value: "056324"),
            "invalid-v1-signed-port.bin": .v1NonCanonicalPort(field: .sourcePort, value: "+80"),
            "invalid-v1-port-too-large.bin": .v1PortOutOfRange(field: .sourcePort, value: "70000"),
            "invalid-v1-tcp4-with-ipv6.bin": .v1AddressFamilyMismatch(protocolName: "TCP4", field: .sourceAddress,
                                                                      value: "::1"),
            "invalid-v1-hostname.bin": .v1InvalidAddress(field: .sourceAddress, value: "localhost"),
            "invalid-v1-identical-endpoints.bin": .identicalEndpoints(address: "1.1.1.1", port: 111),
            "invalid-v1-bare-cr.bin": .v1InvalidByte(0x0D, offset: 34),
            "invalid-v1-nul-byte.bin": .v1InvalidByte(0x00, offset: 18),
            "invalid-v2-bad-version.bin": .v2UnsupportedVersion(0x31),
            "invalid-v2-bad-command.bin": .v2UnsupportedCommand(0x22),
            "invalid-v2-bad-family.bin": .v2UnsupportedFamily(0x41),
            "invalid-v2-short-address-block.bin": .v2AddressBlockTooShort(family: 0x21, length: 12, required: 36),
            "invalid-v2-tlv-overrun.bin": .tlvOverrun(type: 0x01, offset: 28, declared: 64, available: 3),
            "invalid-v2-tlv-header-truncated.bin": .tlvHeaderTruncated(offset: 28, remaining: 2),
            "invalid-v2-ssl-nested-ssl.bin": .sslSubTLVNotAllowed(type: 0x20),
            "invalid-v2-ssl-sub-overrun.bin": .sslSubTLVOverrun(type: 0x21, offset: 5, declared: 9, available: 3),
            "invalid-v2-huge-length.bin": .v2PayloadTooLarge(length: 65535, limit: 4096),
        ]
        for (name, error) in expected {
            let bytes = ProxyProtocolCorpus.file(name)
            XCTAssertFalse(bytes.isEmpty, name)
            XCTAssertEqual(ProxyProtocolHeaderDecoder.decode(bytes, accepting: .auto), .invalid(error), name)
        }
        guard case .invalid(.crc32cMismatch) = ProxyProtocolHeaderDecoder.decode(
            ProxyProtocolCorpus.file("invalid-v2-crc-mismatch.bin"), accepting: .v2) else {
            return XCTFail("CRC mismatch not detected")
        }
    }
}
