import CZlib
@testable import ProxySSH
import XCTest

/// zlib and zlib@openssh.com: stream round trips, the delayed start, and
/// hostile compressed payloads (bombs, garbage) ending in a clear error.
final class CompressionTests: XCTestCase {
    private func connect(_ server: InMemorySSHServer, _ setting: CompressionSetting)
        throws -> (SSHClientTransport, [TransportEvent]) {
        var config = SSHClientTransport.Configuration()
        config.algorithms.compression = CompressionAlgorithm.offer(for: setting)
        let client = SSHClientTransport(configuration: config)
        let events = try pump(client, server, first: client.start() + client.feed(try server.start()))
        return (client, events)
    }

    private func packets(_ events: [TransportEvent]) -> [[UInt8]] {
        events.compactMap { if case .packet(let p) = $0 { return p } else { return nil } }
    }

    private func disconnect(_ events: [TransportEvent]) -> DisconnectReason? {
        events.lazy.compactMap { if case .disconnect(let r) = $0 { return r } else { return nil } }.first
    }

    func testTheSettingMapsToTheOfferedList() {
        XCTAssertEqual(CompressionAlgorithm.offer(for: .off), [.none])
        XCTAssertEqual(CompressionAlgorithm.offer(for: .on), [.zlib, .none])
        XCTAssertEqual(CompressionAlgorithm.offer(for: .delayed), [.zlibDelayed, .zlib, .none])
        XCTAssertEqual(AlgorithmPreferences().kexInit(initial: true).compressionClientToServer, ["none"])
    }

    func testStreamRoundTripKeepsTheDictionaryAcrossPackets() throws {
        let c = try PayloadCompressor(), d = try PayloadDecompressor()
        var sizes: [Int] = []
        for i in 0..<20 {
            let payload = [UInt8](repeating: UInt8(94), count: 1) + Array("the same line of text \(i % 2)\n".utf8) + [UInt8](repeating: 7, count: i * 1000)
            let packed = try c.compress(payload)
            sizes.append(packed.count)
            XCTAssertEqual(try d.decompress(packed), payload)
        }
        // Repeated content shrinks: the later packets reuse the dictionary.
        XCTAssertLessThan(sizes[19], 19 * 1000 / 10)
        let random = SecureRandom.bytes(PacketLimits.maxPayload)
        XCTAssertEqual(try d.decompress(try c.compress(random)), random)
    }

    func testAZipBombIsRefusedNotInflated() throws {
        // 1 MiB of zeros deflates to about 1 KiB: one packet, far past the 256 KiB limit.
        let c = try PayloadCompressor()
        var bomb: [UInt8] = []
        for _ in 0..<32 { bomb += try c.compress([UInt8](repeating: 0, count: 32768)) }
        XCTAssertLessThan(bomb.count, 8 * 1024)
        let d = try PayloadDecompressor()
        XCTAssertThrowsError(try d.decompress(bomb)) {
            XCTAssertEqual("\($0)", "compressed payload inflates past 262144 bytes")
        }
    }

    func testGarbageAndEmptyPayloadsAreRefused() throws {
        XCTAssertThrowsError(try PayloadDecompressor().decompress([0xde, 0xad, 0xbe, 0xef, 1, 2, 3])) {
            XCTAssertTrue("\($0)".hasPrefix("compressed payload is not valid zlib data"), "\($0)")
        }
        XCTAssertThrowsError(try PayloadDecompressor().decompress([]))
        // A truncated packet (half a deflate block) yields nothing, not a hang.
        let whole = try PayloadCompressor().compress(SecureRandom.bytes(5000))
        XCTAssertThrowsError(try PayloadDecompressor().decompress(Array(whole.prefix(2))))
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<300 {
            let junk = (0..<Int.random(in: 1...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? PayloadDecompressor().decompress(junk)
        }
    }

    /// Well-framed packets with random payloads through a reader that
    /// inflates: each one is a payload or a CompressionError, never a crash.
    func testFramedGarbageThroughTheDecompressingReader() throws {
        var rng = SeededGenerator(seed: 6)
        for _ in 0..<200 {
            let writer = PacketWriter(), reader = PacketReader()
            reader.decompressor = try PayloadDecompressor()
            let size = Int.random(in: 1...600, using: &rng)
            let junk = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            reader.append(try writer.frame(junk))
            do {
                _ = try reader.next()
            } catch is CompressionError {
            }
        }
    }

    func testZlibStartsAtNewKeysInBothDirections() throws {
        let server = InMemorySSHServer()
        let (client, events) = try connect(server, .on)
        XCTAssertNil(disconnect(events))
        XCTAssertEqual(client.negotiated?.compressionClientToServer, .zlib)
        let big = [94] + [UInt8](repeating: 0x41, count: 30000)
        let wire = client.send(big)
        _ = try pump(client, server, first: wire)
        XCTAssertEqual(server.received, [big])
        guard case .send(let bytes)? = wire.first else { return XCTFail("\(wire)") }
        XCTAssertLessThan(bytes.count, 2000, "compressed on the wire")
        XCTAssertEqual(packets(client.feed(try server.send(big))), [big])
    }

    /// mod_sftp's case: plain zlib runs since NEWKEYS, and USERAUTH_SUCCESS
    /// must not restart it (a fresh stream's header broke mod_sftp's inflate).
    func testZlibStreamsGoOnAcrossUserauthSuccess() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server, .on)
        let big = [94] + [UInt8](repeating: 0x43, count: 30000)
        _ = try pump(client, server, first: client.send(big))
        XCTAssertEqual(packets(client.feed(try server.sendUserauthSuccess())), [[52]])
        server.clearReceived()
        let after = try pump(client, server, first: client.send(big) + client.send(big))
        XCTAssertNil(disconnect(after))
        XCTAssertEqual(server.received, [big, big])
        XCTAssertEqual(packets(client.feed(try server.send(big))), [big])
    }

    func testDelayedCompressionStartsOnlyAfterUserauthSuccess() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server, .delayed)
        XCTAssertEqual(client.negotiated?.compressionServerToClient, .zlibDelayed)
        let big = [94] + [UInt8](repeating: 0x42, count: 30000)
        let plain = client.send(big)
        guard case .send(let before)? = plain.first else { return XCTFail() }
        XCTAssertGreaterThan(before.count, 30000, "not compressed before userauth")
        _ = try pump(client, server, first: plain)
        XCTAssertEqual(packets(client.feed(try server.sendUserauthSuccess())), [[52]])
        XCTAssertTrue(client.authenticated)
        let after = client.send(big)
        guard case .send(let compressed)? = after.first else { return XCTFail() }
        XCTAssertLessThan(compressed.count, 2000)
        server.clearReceived()
        _ = try pump(client, server, first: after)
        XCTAssertEqual(server.received, [big])
        XCTAssertEqual(packets(client.feed(try server.send(big))), [big])
        // A rekey starts fresh streams on both sides, and compression goes on.
        _ = try pump(client, server, first: client.requestRekey())
        XCTAssertEqual(client.completedExchanges, 2)
        XCTAssertEqual(packets(client.feed(try server.send(big))), [big])
        server.clearReceived()
        let again = client.send(big)
        guard case .send(let small)? = again.first else { return XCTFail() }
        XCTAssertLessThan(small.count, 2000)
        _ = try pump(client, server, first: again)
        XCTAssertEqual(server.received, [big])
    }

    func testABombFromTheServerEndsTheSessionWithACompressionError() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server, .on)
        let c = try PayloadCompressor()
        var bomb: [UInt8] = []
        for _ in 0..<16 { bomb += try c.compress([UInt8](repeating: 0, count: 32768)) }
        let events = client.feed(try server.sendRawCompressed(bomb))
        let reason = try XCTUnwrap(disconnect(events))
        XCTAssertEqual(reason.code, DisconnectReason.compressionError)
        XCTAssertEqual(reason.message, "compressed payload inflates past 262144 bytes")
        XCTAssertTrue(client.isClosed)
    }
}
