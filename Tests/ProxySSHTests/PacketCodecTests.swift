@testable import ProxySSH
import XCTest

final class PacketCodecTests: XCTestCase {
    /// A sealing and an opening protection sharing keys, as the two ends would.
    private func pair(_ cipher: CipherAlgorithm, _ mac: MACAlgorithm?) throws -> (PacketProtection, PacketProtection) {
        let key = SecureRandom.bytes(cipher.keyLength), iv = SecureRandom.bytes(cipher.ivLength)
        let macKey = SecureRandom.bytes(mac?.keyLength ?? 0)
        return (try cipher.protection(key: key, iv: iv, mac: mac, macKey: macKey, encrypt: true),
                try cipher.protection(key: key, iv: iv, mac: mac, macKey: macKey, encrypt: false))
    }

    private func combinations() -> [(CipherAlgorithm, MACAlgorithm?)] {
        CipherAlgorithm.allCases.flatMap { c in c.isAEAD ? [(c, nil)] : MACAlgorithm.allCases.map { (c, $0) } }
    }

    func testRoundTripForEveryCipherAndMAC() throws {
        for (cipher, mac) in combinations() {
            let (seal, open) = try pair(cipher, mac)
            let writer = PacketWriter(), reader = PacketReader()
            writer.switchKeys(to: seal, resetSequence: false)
            reader.switchKeys(to: open, resetSequence: false)
            let payloads: [[UInt8]] = [[94], Array(repeating: 0xab, count: 1), SecureRandom.bytes(33), SecureRandom.bytes(32768)]
            var wire: [UInt8] = []
            for p in payloads { wire += try writer.frame(p) }
            // Byte-sized and uneven chunks: framing must not depend on read sizes.
            var got: [[UInt8]] = []
            var i = 0
            var step = 1
            while i < wire.count {
                let end = min(wire.count, i + step)
                reader.append(wire[i..<end])
                while let p = try reader.next() { got.append(p) }
                i = end
                step = step * 3 % 1000 + 1
            }
            XCTAssertEqual(got, payloads, "\(cipher.name) \(mac?.name ?? "")")
            XCTAssertEqual(reader.sequence, 4)
        }
    }

    func testPaddingKeepsTheBlockAlignmentEachModeNeeds() throws {
        for (cipher, mac) in combinations() {
            let (seal, _) = try pair(cipher, mac)
            let writer = PacketWriter()
            writer.switchKeys(to: seal, resetSequence: false)
            for size in 0..<40 {
                let wire = try writer.frame([UInt8](repeating: 1, count: size + 1))
                let body = wire.count - seal.tagLength - (seal.lengthOutsideBlocks ? 4 : 0)
                XCTAssertEqual(body % seal.blockSize, 0, "\(cipher.name) size \(size)")
            }
        }
    }

    func testATamperedPacketIsRefusedWithAClearError() throws {
        // The "none" MAC detects nothing, by definition.
        for (cipher, mac) in combinations() where mac != MACAlgorithm.none {
            for position in [5, 12, -1] {
                let (seal, open) = try pair(cipher, mac)
                let writer = PacketWriter(), reader = PacketReader()
                writer.switchKeys(to: seal, resetSequence: false)
                reader.switchKeys(to: open, resetSequence: false)
                var wire = try writer.frame(Array("the payload".utf8))
                let at = position < 0 ? wire.count - 1 : position
                wire[at] ^= 0x01
                reader.append(wire)
                XCTAssertThrowsError(try reader.next(), "\(cipher.name) \(mac?.name ?? "") byte \(at)") { error in
                    let text = "\(error)"
                    XCTAssertTrue(text.contains("does not match") || text.contains("padding") || text.contains("length"), text)
                }
            }
        }
    }

    func testWrongSequenceNumberFailsTheMAC() throws {
        let (seal, open) = try pair(.aes128CTR, .hmacSHA256ETM)
        let writer = PacketWriter(), reader = PacketReader()
        writer.switchKeys(to: seal, resetSequence: false)
        reader.switchKeys(to: open, resetSequence: false)
        _ = try writer.frame([1])  // the reader never sees packet 0
        reader.append(try writer.frame([2]))
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual($0 as? PacketIntegrityError, .badMAC) }
    }

    func testOversizedAndUndersizedLengthsAreRefused() {
        for length: UInt32 in [0, 4, UInt32(PacketLimits.maxPacketLength) + 4, 0xffff_ffff] {
            let reader = PacketReader()
            reader.append(bigEndianBytes(length) + [4, 0, 0, 0])
            XCTAssertThrowsError(try reader.next()) { XCTAssertEqual($0 as? PacketError, .badLength(length)) }
        }
    }

    func testTheRequired35000BytePacketIsTaken() throws {
        // Built by hand: we never send one this large, but must take it.
        let payload = [UInt8](repeating: 7, count: PacketLimits.requiredPacketLength - 12)
        let padding = 8 - (5 + payload.count) % 8 + 8
        let reader = PacketReader()
        reader.append(bigEndianBytes(UInt32(1 + payload.count + padding)) + [UInt8(padding)] + payload
                      + [UInt8](repeating: 0, count: padding))
        XCTAssertEqual(try reader.next(), payload)
    }

    func testBadPaddingAndMisalignmentAreRefused() {
        let reader = PacketReader()
        // packet_length 12, padding_length 2 (under the minimum of 4)
        reader.append(bigEndianBytes(12) + [2] + [UInt8](repeating: 0, count: 11))
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual($0 as? PacketError, .badPadding(2, packetLength: 12)) }
        let r2 = PacketReader()
        // padding_length longer than the packet
        r2.append(bigEndianBytes(12) + [200] + [UInt8](repeating: 0, count: 11))
        XCTAssertThrowsError(try r2.next())
        let r3 = PacketReader()
        r3.append(bigEndianBytes(13) + [4] + [UInt8](repeating: 0, count: 12))
        XCTAssertThrowsError(try r3.next()) { XCTAssertEqual($0 as? PacketError, .misaligned(length: 13, blockSize: 8)) }
    }

    func testOversizedPayloadIsNotSent() {
        XCTAssertThrowsError(try PacketWriter().frame([UInt8](repeating: 0, count: PacketLimits.maxPayload + 1)))
    }

    func testVersionExchangeSkipsBannerLinesAndBoundsThem() throws {
        var v = VersionExchange()
        let input = Array("hello there\r\nsecond line\nSSH-2.0-OpenSSH_9.2p1 Debian\r\nrest".utf8)
        XCTAssertEqual(try v.feed(input[...]), .version("SSH-2.0-OpenSSH_9.2p1 Debian", consumed: input.count - 4))
        var long = VersionExchange()
        XCTAssertThrowsError(try long.feed(ArraySlice(repeating: 0x41, count: 300))) {
            XCTAssertEqual($0 as? VersionExchange.Failure, .lineTooLong)
        }
        var old = VersionExchange()
        XCTAssertThrowsError(try old.feed(Array("SSH-1.5-old\r\n".utf8)[...]))
        var many = VersionExchange()
        XCTAssertThrowsError(try many.feed(ArraySlice(Array(repeating: Array("x\n".utf8), count: 1100).joined())))
    }
}
