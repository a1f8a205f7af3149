import XCTest
@testable import ProxyCore

final class ReplyRoutingTests: XCTestCase {
    private func request(_ message: UInt8, channel: Bool, _ name: String, wantReply: Bool) -> [UInt8] {
        let n = UInt32(name.utf8.count)
        return [message] + (channel ? [0, 0, 0, 7] : [])
            + [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
            + Array(name.utf8) + [wantReply ? 1 : 0]
    }

    func testRepliesGoToWhoeverAsked() {
        var routing = ReplyRouting()
        // nothing asked by the backend: the client's replies are mod_sftp's keepalive answers
        XCTAssertFalse(routing.clientReplyGoesToBackend([82]))
        XCTAssertFalse(routing.clientReplyGoesToBackend([100, 0, 0, 0, 1]))
        routing.backendSent(request(80, channel: false, "keepalive@openssh.com", wantReply: true))
        routing.backendSent(request(80, channel: false, "no-reply@example", wantReply: false))
        routing.backendSent(request(98, channel: true, "keepalive@openssh.com", wantReply: true))
        XCTAssertEqual(routing.backendGlobalRequests, 1)
        XCTAssertEqual(routing.backendChannelRequests, 1)
        XCTAssertTrue(routing.clientReplyGoesToBackend([82]))
        XCTAssertFalse(routing.clientReplyGoesToBackend([81]))
        XCTAssertTrue(routing.clientReplyGoesToBackend([99, 0, 0, 0, 1]))
        XCTAssertFalse(routing.clientReplyGoesToBackend([99, 0, 0, 0, 1]))
        // every other connection-layer message is the backend's
        XCTAssertTrue(routing.clientReplyGoesToBackend([94, 0, 0, 0, 0]))
    }

    func testHostileRequestsAreNotCounted() {
        var routing = ReplyRouting()
        routing.backendSent([80])
        routing.backendSent([80, 0xff, 0xff, 0xff, 0xff, 1])
        routing.backendSent([98, 0, 0, 0, 1, 0, 0, 0, 9, 65])
        routing.backendSent([])
        XCTAssertEqual(routing, ReplyRouting())
        for _ in 0..<2000 {
            let junk = [UInt8([80, 98].randomElement()!)] + (0..<Int.random(in: 0...14)).map { _ in UInt8.random(in: 0...255) }
            routing.backendSent(junk)
        }
    }
}

final class ServerAliveReplyTests: XCTestCase {
    func testBackendRepliesInRequestOrder() {
        var routing = ReplyRouting()
        let clientRequest: [UInt8] = [80, 0, 0, 0, 1, 65, 1]
        routing.clientSent(clientRequest)
        routing.proxyKeepaliveSent()
        routing.clientSent([80, 0, 0, 0, 1, 65, 0])   // no reply wanted: not queued
        routing.proxyKeepaliveSent()
        XCTAssertEqual(routing.pendingKeepalives, 2)
        XCTAssertFalse(routing.backendReplyIsTheProxys([81]))   // the client's
        XCTAssertTrue(routing.backendReplyIsTheProxys([82]))
        XCTAssertTrue(routing.backendReplyIsTheProxys([81]))
        XCTAssertEqual(routing.pendingKeepalives, 0)
        // an unsolicited reply goes to the client; other messages are never the proxy's
        XCTAssertFalse(routing.backendReplyIsTheProxys([82]))
        routing.proxyKeepaliveSent()
        XCTAssertFalse(routing.backendReplyIsTheProxys([94, 0, 0, 0, 0]))
        XCTAssertEqual(routing.pendingKeepalives, 1)
    }
}

final class RelayProbeRoutingTests: XCTestCase {
    private func globalRequest(wantReply: Bool) -> [UInt8] {
        [80, 0, 0, 0, 21] + Array("keepalive@openssh.com".utf8) + [wantReply ? 1 : 0]
    }

    func testTheClientsAnswersFollowTheOrderOfTheRequests() {
        var routing = ReplyRouting()
        routing.relayProbeSent()                               // probe 1
        routing.backendSent(globalRequest(wantReply: true))    // backend A
        routing.relayProbeSent()                               // probe 2
        routing.backendSent(globalRequest(wantReply: true))    // backend B
        XCTAssertEqual(routing.pendingRelayProbes, 2)
        XCTAssertEqual(routing.clientPacketDestination([82]), .relayProbe)
        XCTAssertEqual(routing.clientPacketDestination([81]), .backend)
        XCTAssertEqual(routing.clientPacketDestination([82]), .relayProbe)
        XCTAssertEqual(routing.clientPacketDestination([82]), .backend)
        XCTAssertEqual(routing.pendingRelayProbes, 0)
        // nobody asked: mod_sftp's
        XCTAssertEqual(routing.clientPacketDestination([82]), .modSFTP)
        XCTAssertEqual(routing.clientPacketDestination([94, 0, 0, 0, 0]), .backend)
        XCTAssertEqual(routing, ReplyRouting())
    }

    func testUnaskedAndHostileAnswersDoNotUnbalanceTheQueue() {
        var routing = ReplyRouting()
        for _ in 0..<5 { XCTAssertEqual(routing.clientPacketDestination([81]), .modSFTP) }
        routing.relayProbeSent()
        XCTAssertEqual(routing.clientPacketDestination([]), .backend)   // empty: the backend says what is wrong
        XCTAssertEqual(routing.clientPacketDestination([81, 1, 2, 3]), .relayProbe)
        XCTAssertEqual(routing.clientPacketDestination([81]), .modSFTP)
    }
}
