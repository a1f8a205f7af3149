import Foundation
import XCTest
@testable import ProxyCore

/// Mutation fuzzing seeded from the corpus. Runs for FUZZ_SECONDS (default
/// 5) or 2 million decodes, whichever comes first; FUZZ_SEED makes a run
/// reproducible (the seed is printed on failure).
final class ProxyProtocolFuzzTests: XCTestCase {
    /// SplitMix64: small, fast, and reproducible from one seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private let modes: [ProxyProtocolVersion] = [.v1, .v2, .auto]
    private let tightLimits = ProxyProtocolHeaderLimits(maxV2PayloadLength: 300)

    func testMutatedInputsNeverBreakTheDecoderContract() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["FUZZ_SECONDS"].flatMap(Double.init) ?? 5
        let seed = environment["FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SeededGenerator(state: seed)

        var seeds = ProxyProtocolCorpus.load().map(\.bytes)
        seeds.append(try ProxyProtocolHeaderEncoder.encodeV2(
            command: .proxy, addresses: .inet(source: PP.ipA, sourcePort: 1, destination: PP.ipB, destinationPort: 2),
            tlvs: [try ProxyProtocolSSLInfo(verified: true, version: "TLSv1.3", commonName: "cn").encodedTLV()],
            addCRC32C: true))
        seeds.append(PP.bytes("PROXY TCP6 ::ffff:1.2.3.4 2001:db8::2 1 2\r\n"))
        XCTAssertGreaterThan(seeds.count, 10)

        let deadline = Date().addingTimeInterval(seconds)
        var iterations = 0
        var outcomes = [0, 0, 0]  // needMore, complete, invalid
        while iterations < 2_000_000, iterations % 64 != 0 || Date() < deadline {
            iterations += 1
            let input = mutate(seeds[Int.random(in: 0..<seeds.count, using: &random)], seeds: seeds, using: &random)
            for mode in modes {
                let limits = iterations % 7 == 0 ? tightLimits : .default
                let outcome = check(input, mode: mode, limits: limits, seed: seed, random: &random)
                outcomes[outcome] += 1
            }
            if iterations % 256 == 0, testRun?.failureCount ?? 0 > 0 { break }
        }
        print("PROXY protocol fuzz: \(iterations) inputs, seed \(seed), needMore/complete/invalid = \(outcomes)")
        XCTAssertGreaterThan(outcomes[1], 0, "no mutated input decoded; mutations too destructive")
        XCTAssertGreaterThan(outcomes[2], 0)
    }

    /// Checks the contract for one input; returns 0/1/2 for the outcome kind.
    /// Assertions are plain `if`s so the failure context is only built on failure.
    private func check(_ input: [UInt8], mode: ProxyProtocolVersion, limits: ProxyProtocolHeaderLimits, seed: UInt64,
                       random: inout SeededGenerator) -> Int {
        func fail(_ message: String) {
            XCTFail("\(message) [seed \(seed), mode \(mode), limit \(limits.maxV2PayloadLength), input "
                    + "\(ProxyProtocolDiagnosticText.hex(input.prefix(300)))]")
        }
        let step = ProxyProtocolHeaderDecoder.decode(input, accepting: mode, limits: limits)
        switch step {
        case let .needMore(count):
            if count <= 0 { fail("needMore(\(count))") }
            if input.count + count > limits.maxHeaderLength { fail("needMore(\(count)) exceeds the header cap") }
            return 0
        case let .complete(header, consumed):
            if consumed <= 0 || consumed > input.count || consumed > limits.maxHeaderLength {
                fail("consumed \(consumed) of \(input.count) bytes")
            }
            if !mode.accepts(version: header.version) { fail("accepted a v\(header.version) header") }
            // The header alone, or with other trailing bytes, decodes the same.
            let alone = ProxyProtocolHeaderDecoder.decode(input[..<consumed], accepting: mode, limits: limits)
            if alone != step { fail("header alone decodes as \(alone), with trailer as \(step)") }
            let other = ProxyProtocolHeaderDecoder.decode(Array(input[..<consumed]) + [0x0D, 0x0A, 0x00],
                                                  accepting: mode, limits: limits)
            if other != step { fail("a different trailer changes the result to \(other)") }
            // A random prefix asks for more without overshooting.
            let prefix = Int.random(in: 0..<consumed, using: &random)
            let partial = ProxyProtocolHeaderDecoder.decode(input[..<prefix], accepting: mode, limits: limits)
            if case let .needMore(count) = partial {
                if prefix + count > consumed { fail("prefix \(prefix) asks for \(count), header is \(consumed)") }
            } else {
                fail("prefix \(prefix) of a \(consumed)-byte header gives \(partial)")
            }
            checkReEncoding(header, mode: mode, limits: limits, fail: fail)
            return 1
        case let .invalid(error):
            if error.description.isEmpty { fail("empty description for \(error)") }
            // Once invalid, more bytes never rescue the input.
            let longer = ProxyProtocolHeaderDecoder.decode(input + [0x0D, 0x0A], accepting: mode, limits: limits)
            if longer != step { fail("invalid input became \(longer) with more bytes (was \(error))") }
            return 2
        }
    }

    /// Whatever decodes must re-encode to a header that decodes the same
    /// (CRC32C records aside: they are recomputed).
    private func checkReEncoding(_ header: ProxyProtocolHeader, mode: ProxyProtocolVersion, limits: ProxyProtocolHeaderLimits,
                                 fail: (String) -> Void) {
        var plain = header
        plain.tlvs.removeAll { $0.type == ProxyProtocolTLVType.crc32c }
        guard let bytes = try? ProxyProtocolHeaderEncoder.encode(plain) else {
            return fail("decoded header does not re-encode: \(header)")
        }
        let again = ProxyProtocolHeaderDecoder.decode(bytes, accepting: mode, limits: limits)
        if again != .complete(plain, consumed: bytes.count) { fail("re-encoded \(plain) decodes as \(again)") }
    }

    private func mutate(_ original: [UInt8], seeds: [[UInt8]], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = original
        let interesting: [UInt8] = [0x00, 0x0A, 0x0D, 0x20, 0x25, 0x2B, 0x2D, 0x30, 0x3A, 0x7F, 0x80, 0xFF]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
            case 1 where !bytes.isEmpty:
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            case 2 where !bytes.isEmpty:
                bytes[index] = interesting[Int.random(in: 0..<interesting.count, using: &random)]
            case 3:
                bytes.insert(interesting[Int.random(in: 0..<interesting.count, using: &random)], at: index)
            case 4 where !bytes.isEmpty:
                bytes.remove(at: index)
            case 5:
                bytes = Array(bytes.prefix(index))
            case 6 where bytes.count > 17:
                // Rewrite a v2 length (or any 16-bit field) with a boundary value.
                let values: [UInt16] = [0, 1, 11, 12, 35, 36, 215, 216, 300, 4096, 4097, 65535]
                let value = values[Int.random(in: 0..<values.count, using: &random)]
                let at = Bool.random(using: &random) ? 14 : Int.random(in: 16..<(bytes.count - 1), using: &random)
                bytes[at] = UInt8(value >> 8)
                bytes[at + 1] = UInt8(value & 0xFF)
            case 7:
                let other = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                bytes = Array(bytes.prefix(index)) + other.suffix(Int.random(in: 0...other.count, using: &random))
            case 8 where bytes.count > 2:
                let length = Int.random(in: 1...min(8, bytes.count - index), using: &random)
                bytes.insert(contentsOf: bytes[index..<(index + length)], at: index)
            default:
                bytes.insert(contentsOf: [0x0D, 0x0A], at: index)
            }
        }
        return bytes
    }
}
