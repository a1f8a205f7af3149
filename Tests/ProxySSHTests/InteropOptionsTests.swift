@testable import ProxySSH
import XCTest

/// ProxySFTPOptions PessimisticKexinit and OldProtocolCompat, and
/// ProxySFTPServerMatch's pessimisticNewkeys, at the transport.
final class InteropOptionsTests: XCTestCase {
    private func sends(_ events: [TransportEvent]) -> [[UInt8]] {
        events.compactMap { if case .send(let b) = $0 { return b } else { return nil } }
    }

    private func disconnects(_ events: [TransportEvent]) -> [DisconnectReason] {
        events.compactMap { if case .disconnect(let r) = $0 { return r } else { return nil } }
    }

    func testPessimisticKexinitWaitsForTheServersKexinit() throws {
        var config = SSHClientTransport.Configuration()
        config.pessimisticKexinit = true
        let client = SSHClientTransport(configuration: config)
        let server = InMemorySSHServer()
        let versionLine = sends(client.start())
        XCTAssertEqual(versionLine, [Array("SSH-2.0-mod_proxy/0.9.3\r\n".utf8)])
        // The server's version line alone: still nothing of ours.
        let serverStart = try server.start()
        let lineEnd = serverStart.firstIndex(of: 0x0a)! + 1
        XCTAssertTrue(client.feed(serverStart[..<lineEnd]).isEmpty)
        // Its KEXINIT: ours answers it (first), then the key agreement.
        let answer = sends(client.feed(serverStart[lineEnd...]))
        XCTAssertEqual(answer.first?[5], SSHMessage.kexInit)
        let events = try pump(client, server, first: (versionLine + answer).map { .send($0) })
        XCTAssertTrue(disconnects(events).isEmpty, "\(events)")
        XCTAssertEqual(client.completedExchanges, 1)
        _ = try pump(client, server, first: client.send([94, 7]))
        XCTAssertEqual(server.received, [[94, 7]])
    }

    func testOldProtocolServerOnlyWithOldProtocolCompat() throws {
        let refusing = SSHClientTransport()
        _ = refusing.start()
        let events = refusing.feed(Array("SSH-1.99-Tectia_6.4\r\n".utf8))
        XCTAssertTrue(disconnects(events).first?.message.contains("1.99") == true, "\(events)")
        XCTAssertTrue(refusing.isClosed)

        var config = SSHClientTransport.Configuration()
        config.acceptsOldProtocol = true
        config.pessimisticKexinit = true   // as OldProtocolCompat implies
        let client = SSHClientTransport(configuration: config)
        let server = InMemorySSHServer()
        server.version = "SSH-1.99-Tectia_6.4"
        let all = try pump(client, server, first: client.start() + client.feed(try server.start()))
        XCTAssertTrue(disconnects(all).isEmpty, "\(all)")
        XCTAssertEqual(client.serverVersion, "SSH-1.99-Tectia_6.4")
        XCTAssertEqual(client.completedExchanges, 1)
    }

    func testAVersionLineWithoutSoftwareVersionIsRefused() {
        for line in ["SSH-2.0-\r\n", "SSH-1.99-\r\n"] {
            var config = SSHClientTransport.Configuration()
            config.acceptsOldProtocol = true
            let client = SSHClientTransport(configuration: config)
            _ = client.start()
            let events = client.feed(Array(line.utf8))
            XCTAssertTrue(disconnects(events).first?.message.contains("no software version") == true, "\(line): \(events)")
        }
    }

    /// The first exchange's reply and the server's NEWKEYS, split at the packet boundary (both plaintext).
    private func replyThenNewKeys(_ bytes: [UInt8]) -> ([UInt8], [UInt8]) {
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        return (Array(bytes[..<(4 + length)]), Array(bytes[(4 + length)...]))
    }

    func testPessimisticNewKeysWaitForTheServers() throws {
        for pessimistic in [false, true] {
            let client = SSHClientTransport()
            client.sendsNewKeysAfterServer = pessimistic
            let server = InMemorySSHServer()
            var toServer = sends(client.start() + client.feed(try server.start())).flatMap { $0 }
            let replyBytes = try server.feed(toServer)
            let (reply, newKeys) = replyThenNewKeys(replyBytes)
            XCTAssertEqual(newKeys[5], SSHMessage.newKeys)
            let hostKeyEvents = client.feed(reply)
            guard case .hostKey? = hostKeyEvents.first else { return XCTFail("\(hostKeyEvents)") }
            let afterApproval = sends(client.acceptHostKey())
            // Optimistic: our NEWKEYS (message 21, plaintext) goes at once; pessimistic: nothing yet.
            XCTAssertEqual(afterApproval.map { $0[5] }, pessimistic ? [] : [SSHMessage.newKeys], "pessimistic=\(pessimistic)")
            let afterServers = client.feed(newKeys)
            XCTAssertEqual(sends(afterServers).map { $0[5] }, pessimistic ? [SSHMessage.newKeys] : [])
            toServer = (afterApproval + sends(afterServers)).flatMap { $0 }
            XCTAssertEqual(try server.feed(toServer), [])
            XCTAssertEqual(client.completedExchanges, 1)
            // Rekeys hold to the same rule and the keys agree both ways.
            let rekey = try pump(client, server, first: client.requestRekey() + client.send([94, 1]))
            XCTAssertTrue(disconnects(rekey).isEmpty, "\(rekey)")
            XCTAssertEqual(client.completedExchanges, 2)
            XCTAssertEqual(server.received, [[94, 1]])
        }
    }

    func testQueuedBytesCountPayloadsHeldDuringAKeyExchange() throws {
        let server = InMemorySSHServer()
        let client = SSHClientTransport()
        _ = try pump(client, server, first: client.start() + client.feed(try server.start()))
        let rekeyStart = client.requestRekey()
        _ = client.send([UInt8](repeating: 94, count: 1000))
        _ = client.send([UInt8](repeating: 94, count: 24))
        XCTAssertEqual(client.queuedPayloads, 2)
        XCTAssertEqual(client.queuedBytes, 1024)
        _ = try pump(client, server, first: rekeyStart)
        XCTAssertEqual(client.queuedBytes, 0)
        XCTAssertEqual(server.received.count, 2)
    }
}
