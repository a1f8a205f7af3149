@testable import ProxySSH
import XCTest

/// Rekey by time (the caller's clock) and ProxySFTPServerAlive's checks.
final class RekeyAndAliveTests: XCTestCase {
    private func connected(rekeyAfterSeconds: Double?) throws -> (SSHClientTransport, InMemorySSHServer) {
        var config = SSHClientTransport.Configuration()
        config.rekeyAfterSeconds = rekeyAfterSeconds
        let client = SSHClientTransport(configuration: config), server = InMemorySSHServer()
        _ = try pump(client, server, first: client.start() + client.feed(try server.start()))
        XCTAssertEqual(client.completedExchanges, 1)
        return (client, server)
    }

    func testRekeyByTimeFollowsTheCallersClock() throws {
        let (client, server) = try connected(rekeyAfterSeconds: 60)
        XCTAssertTrue(client.rekeyIfDue(now: 1000).isEmpty, "the first call starts the keys' age")
        XCTAssertTrue(client.rekeyIfDue(now: 1059.9).isEmpty)
        let events = client.rekeyIfDue(now: 1060)
        XCTAssertEqual(events.count, 1, "a KEXINIT")
        XCTAssertTrue(client.isExchangingKeys)
        XCTAssertTrue(client.rekeyIfDue(now: 5000).isEmpty, "not while one is in flight")
        _ = try pump(client, server, first: events)
        XCTAssertEqual(client.completedExchanges, 2)
        // New keys: their age starts again at the next call.
        XCTAssertTrue(client.rekeyIfDue(now: 5000).isEmpty)
        XCTAssertTrue(client.rekeyIfDue(now: 5059).isEmpty)
        XCTAssertFalse(client.rekeyIfDue(now: 5060).isEmpty)
    }

    func testNoTimeLimitNeverRekeys() throws {
        let (client, _) = try connected(rekeyAfterSeconds: nil)
        XCTAssertTrue(client.rekeyIfDue(now: 0).isEmpty)
        XCTAssertTrue(client.rekeyIfDue(now: 1e12).isEmpty)
        XCTAssertTrue(SSHClientTransport().rekeyIfDue(now: 1).isEmpty, "not before the transport runs")
    }

    func testKeepalivePayloadIsUpstreamsGlobalRequest() throws {
        var r = SSHReader(ServerAliveMonitor.keepalivePayload)
        XCTAssertEqual(try r.byte(), 80)
        XCTAssertEqual(try r.text("request name"), "keepalive@proftpd.org")
        XCTAssertEqual(try r.byte(), 1, "want reply")
        XCTAssertNoThrow(try r.expectEnd("GLOBAL_REQUEST"))
    }

    func testThreeUnansweredChecksDisconnectAfterAboutFortyFiveSeconds() {
        var m = ServerAliveMonitor(count: 3, interval: 15, now: 0)!
        XCTAssertEqual(m.check(now: 14), .wait)
        XCTAssertEqual(m.check(now: 15), .send(ServerAliveMonitor.keepalivePayload))
        XCTAssertEqual(m.check(now: 20), .wait)
        XCTAssertEqual(m.check(now: 30), .send(ServerAliveMonitor.keepalivePayload))
        XCTAssertEqual(m.check(now: 45), .send(ServerAliveMonitor.keepalivePayload))
        guard case .disconnect(let message, let log) = m.check(now: 60) else { return XCTFail() }
        XCTAssertEqual(message, "server alive threshold reached")
        XCTAssertEqual(log, "ProxySFTPServerAlive threshold (max 3 checks, 15 sec interval) reached, disconnecting")
    }

    func testAReplyResetsTheCount() {
        var m = ServerAliveMonitor(count: 1, interval: 10, now: 0)!
        XCTAssertEqual(m.check(now: 10), .send(ServerAliveMonitor.keepalivePayload))
        m.heard(now: 11)
        XCTAssertEqual(m.check(now: 20), .wait)
        XCTAssertEqual(m.check(now: 21), .send(ServerAliveMonitor.keepalivePayload))
        if case .disconnect = m.check(now: 31) {} else { XCTFail("the second unanswered check ends it") }
    }

    func testZeroTurnsTheCheckOff() {
        XCTAssertNil(ServerAliveMonitor(count: 0, interval: 15, now: 0))
        XCTAssertNil(ServerAliveMonitor(count: 3, interval: 0, now: 0))
    }
}
