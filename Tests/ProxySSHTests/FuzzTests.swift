@testable import ProxySSH
import XCTest

/// Deterministic fuzzing: seeded random and mutated inputs for every parser
/// a server's bytes reach. Passing means no crash, no hang, and every
/// failure reported as an error or a disconnect.
final class FuzzTests: XCTestCase {
    func testRandomBytesAfterTheBannerNeverCrashTheTransport() {
        var rng = SeededGenerator(seed: 0x5353_4821)
        for round in 0..<400 {
            let t = SSHClientTransport()
            _ = t.start()
            var events = t.feed(Array("SSH-2.0-fuzz\r\n".utf8))
            for _ in 0..<4 {
                events += t.feed(rng.bytes(Int.random(in: 0...600, using: &rng)))
            }
            // Either still waiting for a whole packet or ended with a reason.
            for case .disconnect(let r) in events {
                XCTAssertFalse(r.message.isEmpty, "round \(round)")
            }
        }
    }

    func testPlausiblePacketsWithRandomPayloadsNeverCrashTheTransport() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<600 {
            let t = SSHClientTransport()
            _ = t.start()
            let writer = PacketWriter()
            var bytes = Array("SSH-2.0-fuzz\r\n".utf8)
            for _ in 0..<3 {
                var payload = rng.bytes(Int.random(in: 1...200, using: &rng))
                payload[0] = [1, 2, 7, 20, 21, 30, 31, 50, 94, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
                bytes += try! writer.frame(payload)
            }
            _ = t.feed(bytes)
        }
    }

    func testMutatedKexInitsAndExtInfosNeverCrashTheirParsers() {
        var rng = SeededGenerator(seed: 7)
        let valid = AlgorithmPreferences().kexInit(initial: true).encoded()
        for _ in 0..<3000 {
            var m = valid
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { m = Array(m.prefix(Int.random(in: 0...m.count, using: &rng))) }
            _ = try? KexInit.decode(m)
            _ = try? ExtInfo.decode(m)
            _ = try? ServerHostKey(blob: m)
        }
    }

    func testRandomBytesNeverCrashTheWireReadersOrTheHostKeyParser() {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<3000 {
            let bytes = rng.bytes(Int.random(in: 0...80, using: &rng))
            var r = SSHReader(bytes)
            _ = try? r.positiveMPInt()
            _ = try? r.nameList()
            _ = try? r.text()
            _ = try? ServerHostKey(blob: bytes)
            var typed = SSHWriter()
            typed.string(["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"].randomElement(using: &rng)!)
            typed.raw(bytes)
            _ = try? ServerHostKey(blob: typed.bytes)
        }
    }

    func testRandomCiphertextIsRefusedByEveryProtection() throws {
        var rng = SeededGenerator(seed: 1234)
        for cipher in CipherAlgorithm.allCases {
            for _ in 0..<50 {
                let open = try cipher.protection(key: SecureRandom.bytes(cipher.keyLength), iv: SecureRandom.bytes(cipher.ivLength),
                                                 mac: cipher.isAEAD ? nil : .hmacSHA256, macKey: SecureRandom.bytes(32), encrypt: false)
                let reader = PacketReader()
                reader.switchKeys(to: open, resetSequence: false)
                reader.append(rng.bytes(Int.random(in: 0...400, using: &rng)))
                XCTAssertNil(try? reader.next())
            }
        }
    }
}
