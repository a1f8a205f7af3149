@testable import ProxySSH
import XCTest

final class TransportTests: XCTestCase {
    private func connect(_ server: InMemorySSHServer, _ config: SSHClientTransport.Configuration = .init())
        throws -> (SSHClientTransport, [TransportEvent]) {
        let client = SSHClientTransport(configuration: config)
        let first = client.start()
        let events = try pump(client, server, first: first + client.feed(try server.start()))
        return (client, events)
    }

    private func disconnects(_ events: [TransportEvent]) -> [DisconnectReason] {
        events.compactMap { if case .disconnect(let r) = $0 { return r } else { return nil } }
    }

    /// SSH_MSG_DISCONNECT as a server sends it.
    private func disconnectPayload(_ code: UInt32, _ message: String) -> [UInt8] {
        var w = SSHWriter()
        w.byte(1)
        w.uint32(code)
        w.string(message)
        w.string("")
        return w.bytes
    }

    private func packets(_ events: [TransportEvent]) -> [[UInt8]] {
        events.compactMap { if case .packet(let p) = $0 { return p } else { return nil } }
    }

    func testStartSendsTheVersionLineAndKexInit() throws {
        let t = SSHClientTransport()
        let events = t.start()
        guard events.count == 2, case .send(let line) = events[0], case .send(let packet) = events[1] else {
            return XCTFail("\(events)")
        }
        XCTAssertEqual(line, Array("SSH-2.0-mod_proxy/0.9.3\r\n".utf8))
        XCTAssertEqual(packet[5], 20)
        XCTAssertTrue(t.start().isEmpty)
    }

    func testFullExchangeWithEachCipherAndMAC() throws {
        for cipher in CipherAlgorithm.allCases {
            for mac in cipher.isAEAD ? [MACAlgorithm.hmacSHA256] : MACAlgorithm.allCases {
                for strict in [true, false] {
                    let server = InMemorySSHServer()
                    server.strict = strict
                    var config = SSHClientTransport.Configuration()
                    config.algorithms.ciphers = [cipher]
                    config.algorithms.macs = [mac]
                    let (client, events) = try connect(server, config)
                    let what = "\(cipher.name) \(mac.name) strict=\(strict)"
                    XCTAssertTrue(disconnects(events).isEmpty, "\(what): \(disconnects(events))")
                    guard case .hostKey(let key)? = events.first else { return XCTFail("\(what): \(events)") }
                    XCTAssertEqual(key.blob, server.hostKeyBlob)
                    XCTAssertEqual(client.strictKex, strict)
                    XCTAssertEqual(client.negotiated?.cipherServerToClient, cipher)
                    // Both directions carry payloads under the new keys.
                    _ = try pump(client, server, first: client.send([94, 1, 2, 3]))
                    XCTAssertEqual(server.received, [[94, 1, 2, 3]], what)
                    XCTAssertEqual(packets(client.feed(try server.send([94, 9]))), [[94, 9]], what)
                }
            }
        }
    }

    func testEveryKexMethodCompletes() throws {
        for kex in KexAlgorithm.allCases {
            var config = SSHClientTransport.Configuration()
            config.algorithms.kex = [kex]
            let (client, events) = try connect(InMemorySSHServer(), config)
            XCTAssertTrue(disconnects(events).isEmpty, "\(kex.name): \(disconnects(events))")
            XCTAssertEqual(client.negotiated?.kex, kex)
        }
    }

    func testGroupExchangeRefusesAWeakOrBrokenGroup() throws {
        let cases: [(String, [UInt8]?, [UInt8])] = [
            ("under the 2048", [0xff] + [UInt8](repeating: 0xff, count: 127), [2]),  // a 1024-bit "prime"
            ("even", InMemorySSHServer.rfc3526Prime2048().dropLast() + [0xfe], [2]),
            ("generator", nil, [1]),
            ("generator", nil, InMemorySSHServer.rfc3526Prime2048()),
        ]
        for (expected, prime, generator) in cases {
            let server = InMemorySSHServer()
            server.gexPrime = prime
            server.gexGenerator = generator
            var config = SSHClientTransport.Configuration()
            config.algorithms.kex = [.dhGroupExchangeSHA256]
            let (_, events) = try connect(server, config)
            let d = disconnects(events)
            XCTAssertEqual(d.first?.code, DisconnectReason.keyExchangeFailed, expected)
            XCTAssertTrue(d.first?.message.contains(expected) == true, "\(expected): \(d)")
        }
    }

    func testAllowWeakDHTakesA1024BitGroup() throws {
        let server = InMemorySSHServer()
        server.gexPrime = InMemorySSHServer.rfc2409Prime1024()
        var config = SSHClientTransport.Configuration()
        config.algorithms.kex = [.dhGroupExchangeSHA1]
        config.allowWeakDH = true
        let (client, events) = try connect(server, config)
        XCTAssertTrue(disconnects(events).isEmpty, "\(disconnects(events))")
        XCTAssertEqual(client.negotiated?.kex, .dhGroupExchangeSHA1)
        // Without the option the same group is refused.
        config.allowWeakDH = false
        let refused = InMemorySSHServer()
        refused.gexPrime = InMemorySSHServer.rfc2409Prime1024()
        let (_, again) = try connect(refused, config)
        XCTAssertTrue(disconnects(again).first?.message.contains("under the 2048") == true, "\(disconnects(again))")
        let p = try AlgorithmPreferences(ciphers: nil, macs: nil, keyExchanges: nil, allowWeakDH: true)
        XCTAssertEqual(p.kex.last, .dhGroup1SHA1)
        XCTAssertEqual(try AlgorithmPreferences(ciphers: nil, macs: nil, keyExchanges: ["curve25519-sha256"], allowWeakDH: true).kex,
                       [.curve25519SHA256])
    }

    func testPayloadsSentBeforeEstablishedWaitAndKeepTheirOrder() throws {
        let server = InMemorySSHServer()
        let client = SSHClientTransport()
        var first = client.start()
        for i in 0..<3 {
            let e = client.send([5, UInt8(i)])
            XCTAssertTrue(e.isEmpty, "queued, nothing sent yet")
            first += e
        }
        XCTAssertEqual(client.queuedPayloads, 3)
        _ = try pump(client, server, first: first + client.feed(try server.start()))
        XCTAssertEqual(server.received, [[5, 0], [5, 1], [5, 2]])
        XCTAssertEqual(client.queuedPayloads, 0)
    }

    func testServerInitiatedRekeyQueuesOutboundUntilNewKeys() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server)
        // The server's KEXINIT arrives; the client answers and is now exchanging.
        var out = client.feed(try server.beginKex())
        XCTAssertTrue(client.isExchangingKeys)
        out += client.send([94, 42])
        XCTAssertEqual(client.queuedPayloads, 1)
        let events = try pump(client, server, first: out)
        XCTAssertTrue(events.contains { if case .rekeyed = $0 { return true } else { return false } })
        XCTAssertEqual(server.received, [[94, 42]])
        XCTAssertEqual(server.exchanges, 2)
        XCTAssertEqual(packets(client.feed(try server.send([94, 7]))), [[94, 7]])
    }

    func testClientRekeysAfterTheConfiguredVolumeWithoutLosingData() throws {
        let server = InMemorySSHServer()
        var config = SSHClientTransport.Configuration()
        config.rekeyAfterBytes = 4096
        config.algorithms.ciphers = [.aes256CTR]
        config.algorithms.macs = [.hmacSHA512ETM]
        let (client, _) = try connect(server, config)
        var sent: [[UInt8]] = []
        var rekeys = 0
        for i in 0..<200 {
            let p = [94] + [UInt8](repeating: UInt8(i & 0xff), count: 300)
            sent.append(p)
            for e in try pump(client, server, first: client.send(p)) {
                if case .rekeyed = e { rekeys += 1 }
            }
        }
        XCTAssertEqual(server.received, sent)
        XCTAssertGreaterThan(rekeys, 5)
        XCTAssertEqual(client.completedExchanges, rekeys + 1)
    }

    func testRequestRekeyWorksAndIsIgnoredWhileOneIsInFlight() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server)
        let out = client.requestRekey()
        XCTAssertFalse(out.isEmpty)
        XCTAssertTrue(client.requestRekey().isEmpty)
        _ = try pump(client, server, first: out)
        XCTAssertEqual(client.completedExchanges, 2)
    }

    func testABadHostKeySignatureIsRefused() throws {
        let server = InMemorySSHServer()
        server.corruptSignature = true
        let (client, events) = try connect(server)
        let d = disconnects(events)
        XCTAssertEqual(d.first?.code, DisconnectReason.keyExchangeFailed)
        XCTAssertTrue(d.first?.message.contains("signature") == true, "\(d)")
        XCTAssertFalse(events.contains { if case .hostKey = $0 { return true } else { return false } })
        XCTAssertTrue(client.isClosed)
        XCTAssertTrue(client.feed([1, 2, 3]).isEmpty)
    }

    func testTheFirstExchangeWaitsForTheHostKeyDecision() throws {
        let server = InMemorySSHServer()
        let client = SSHClientTransport()
        let first = client.start()
        let events = try pump(client, server, first: first + client.feed(try server.start()), acceptHostKey: false)
        guard case .hostKey(let key)? = events.last else { return XCTFail("\(events)") }
        XCTAssertTrue(client.isAwaitingHostKeyApproval)
        XCTAssertTrue(client.isExchangingKeys)
        XCTAssertEqual(key.blob, server.hostKeyBlob)
        // Refused: the DISCONNECT goes out under the old keys, so the server reads it.
        let refusal = client.disconnect(code: DisconnectReason.hostKeyNotVerifiable, message: "unknown host key")
        _ = try pump(client, server, first: refusal)
        XCTAssertEqual(server.received.first?.first, 1)
        XCTAssertTrue(client.isClosed)
        XCTAssertTrue(client.acceptHostKey().isEmpty)
    }

    func testAHostKeyChangedAtRekeyIsRefused() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server)
        server.replaceHostKey()
        let events = try pump(client, server, first: client.requestRekey())
        XCTAssertEqual(disconnects(events).first?.code, DisconnectReason.hostKeyNotVerifiable)
    }

    func testStrictKexRefusesOtherMessagesDuringTheInitialExchange() throws {
        let server = InMemorySSHServer()
        let client = SSHClientTransport()
        _ = client.start()
        var bytes = try server.start()
        bytes += try server.send([2, 0, 0, 0, 0])  // SSH_MSG_IGNORE after the strict KEXINIT
        let d = disconnects(client.feed(bytes))
        XCTAssertEqual(d.first?.code, DisconnectReason.protocolError)
        XCTAssertTrue(d.first?.message.contains("strict key exchange") == true, "\(d)")
    }

    func testADisconnectDuringTheStrictInitialExchangeIsReported() throws {
        let server = InMemorySSHServer()
        let client = SSHClientTransport()
        _ = client.start()
        let d = disconnects(client.feed(try server.start() + server.send(disconnectPayload(3, "key exchange failed here"))))
        XCTAssertEqual(d, [DisconnectReason(code: 3, message: "key exchange failed here", fromServer: true)])
    }

    func testStrictKexRequiresKexInitFirst() throws {
        let server = InMemorySSHServer()
        let client = SSHClientTransport()
        _ = client.start()
        var start = try server.start()
        let version = Array(start.prefix(while: { $0 != 0x0a })) + [0x0a]
        start.removeFirst(version.count)
        // An IGNORE before the KEXINIT: legal without strict KEX, not with it.
        let server2 = InMemorySSHServer()
        let ignore = try server2.send([2, 0, 0, 0, 0])
        let d = disconnects(client.feed(version + ignore + start))
        XCTAssertTrue(d.first?.message.contains("not its first packet") == true, "\(d)")
    }

    func testServerDisconnectIsReported() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server)
        let d = disconnects(client.feed(try server.send(disconnectPayload(11, "bye"))))
        XCTAssertEqual(d, [DisconnectReason(code: 11, message: "bye", fromServer: true)])
    }

    func testGarbageInsteadOfABanner() {
        let t = SSHClientTransport()
        _ = t.start()
        let d = disconnects(t.feed([UInt8](repeating: 0x41, count: 1000)))
        XCTAssertEqual(d.first?.message, "server identification line is longer than 255 bytes")
    }

    func testAnOversizedPacketLengthEndsTheSessionClearly() {
        let t = SSHClientTransport()
        _ = t.start()
        let d = disconnects(t.feed(Array("SSH-2.0-x\r\n".utf8) + [0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]))
        XCTAssertEqual(d.first?.code, DisconnectReason.protocolError)
        XCTAssertTrue(d.first?.message.contains("packet length 2147483647") == true, "\(d)")
    }

    func testNoCommonCipherEndsWithKeyExchangeFailed() throws {
        let server = InMemorySSHServer()
        server.algorithms.ciphers = [.aes128GCM]
        var config = SSHClientTransport.Configuration()
        config.algorithms.ciphers = [.chacha20Poly1305]
        let (_, events) = try connect(server, config)
        let d = disconnects(events)
        XCTAssertEqual(d.first?.code, DisconnectReason.keyExchangeFailed)
        XCTAssertTrue(d.first?.message.contains("no matching cipher") == true)
    }

    func testExtInfoIsReportedAndOtherMessagesGoUp() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server)
        var w = SSHWriter()
        w.byte(7)
        w.uint32(1)
        w.string("server-sig-algs")
        w.string("ssh-ed25519,rsa-sha2-512")
        let events = client.feed(try server.send(w.bytes) + server.send([80, 0, 0, 0, 1, 0x61, 0]))
        guard events.count == 2, case .extInfo(let info) = events[0], case .packet(let p) = events[1] else {
            return XCTFail("\(events)")
        }
        XCTAssertEqual(info.serverSignatureAlgorithms, ["ssh-ed25519", "rsa-sha2-512"])
        XCTAssertEqual(client.serverExtInfo, info)
        XCTAssertEqual(p, [80, 0, 0, 0, 1, 0x61, 0])
    }

    func testConnectionMessagesInsideTheServersRekeyAreRefused() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server)
        let bytes = try server.beginKex() + server.send([94, 0, 0, 0, 0])
        let d = disconnects(client.feed(bytes))
        XCTAssertEqual(d.first?.code, DisconnectReason.protocolError)
        XCTAssertTrue(d.first?.message.contains("middle of the server's key exchange") == true, "\(d)")
    }

    func testServerDataBeforeItsRekeyKexInitStillGoesUp() throws {
        let server = InMemorySSHServer()
        let (client, _) = try connect(server)
        var events = client.requestRekey()
        events += client.feed(try server.send([94, 5]))
        XCTAssertEqual(packets(events), [[94, 5]])
        _ = try pump(client, server, first: events)
        XCTAssertEqual(client.completedExchanges, 2)
    }

    func testAWronglyGuessedKexPacketIsDropped() throws {
        let server = InMemorySSHServer()
        server.algorithms.kex = [.ecdhNISTP521, .curve25519SHA256]
        server.guessWrongly = true
        let (client, events) = try connect(server)
        XCTAssertTrue(disconnects(events).isEmpty, "\(events)")
        XCTAssertEqual(client.negotiated?.kex, .curve25519SHA256)
        XCTAssertTrue(client.negotiated?.ignoreGuessedPacket == true)
    }
}
