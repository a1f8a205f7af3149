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

/// Mutated KEX replies and group-exchange groups, fed to a client that is
/// waiting for exactly that message: the host-key, signature and public
/// value parsers see every kind of damage.
final class KexReplyFuzzTests: XCTestCase {
    /// The server's first bytes and its reply payloads for one real exchange.
    private func recordedExchange(_ kex: KexAlgorithm) throws -> (start: [UInt8], replies: [[UInt8]]) {
        let server = InMemorySSHServer()
        server.algorithms.kex = [kex]
        let start = try server.start()
        var config = SSHClientTransport.Configuration()
        config.algorithms.kex = [kex]
        let client = SSHClientTransport(configuration: config)
        var toServer: [UInt8] = []
        for case .send(let b) in client.start() + client.feed(start) { toServer += b }
        var replies: [[UInt8]] = []
        let reader = PacketReader()
        var out = try server.feed(toServer)
        while true {
            reader.append(out)
            var got: [[UInt8]] = []
            while let p = try reader.next() { got.append(p) }
            replies += got.filter { $0[0] != 21 }
            // Group exchange: answer the group so the server sends its reply too.
            guard kex.isGroupExchange, got.first?.first == 31 else { break }
            var next: [UInt8] = []
            for case .send(let b) in client.feed(out) { next += b }
            out = try server.feed(next)
            reader.append([])
        }
        return (start, replies)
    }

    func testMutatedKexRepliesEndInADisconnectNeverACrash() throws {
        var rng = SeededGenerator(seed: 0x4b45_5852)
        for kex in [KexAlgorithm.curve25519SHA256, .ecdhNISTP384, .dhGroup14SHA256, .dhGroupExchangeSHA256] {
            let (start, replies) = try recordedExchange(kex)
            XCTAssertFalse(replies.isEmpty, kex.name)
            for _ in 0..<150 {
                var config = SSHClientTransport.Configuration()
                config.algorithms.kex = [kex]
                let client = SSHClientTransport(configuration: config)
                _ = client.start()
                _ = client.feed(start)
                let writer = PacketWriter()
                _ = try writer.frame([0])  // the server's KEXINIT was its packet 0 (plain: unused)
                var events: [TransportEvent] = []
                for reply in replies {
                    var m = reply
                    for _ in 0..<Int.random(in: 0...6, using: &rng) {
                        m[Int.random(in: 1..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                    }
                    if Bool.random(using: &rng) { m = Array(m.prefix(Int.random(in: 1...m.count, using: &rng))) }
                    events += client.feed(try writer.frame(m))
                    if client.isClosed { break }
                }
                // A replayed reply never verifies for this client's fresh key.
                let ended = events.contains { if case .disconnect = $0 { return true } else { return false } }
                XCTAssertTrue(ended, "\(kex.name): \(events)")
                XCTAssertFalse(events.contains { if case .hostKey = $0 { return true } else { return false } })
            }
        }
    }
}
