import XCTest
@testable import ProxyCore

final class ConnectionMessageRouteTests: XCTestCase {
    private func globalRequest(_ name: String, wantReply: Bool, extra: [UInt8] = []) -> [UInt8] {
        let bytes = Array(name.utf8)
        let n = UInt32(bytes.count)
        return [80, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
            + bytes + [wantReply ? 1 : 0] + extra
    }

    func testFrontendPacketsGoToTheBackendOnlyAfterLoginAndOnlyConnectionLayer() {
        XCTAssertFalse(ConnectionMessageRoute.frontendPacketGoesToBackend([90, 0], loggedIn: false))
        XCTAssertTrue(ConnectionMessageRoute.frontendPacketGoesToBackend([90, 0], loggedIn: true))
        XCTAssertTrue(ConnectionMessageRoute.frontendPacketGoesToBackend([94, 0, 0, 0, 0], loggedIn: true))
        for message: UInt8 in [1, 2, 5, 20, 21, 30, 50, 60, 79, 128, 255] {
            XCTAssertFalse(ConnectionMessageRoute.frontendPacketGoesToBackend([message], loggedIn: true), "\(message)")
        }
        XCTAssertFalse(ConnectionMessageRoute.frontendPacketGoesToBackend([], loggedIn: true))
    }

    func testBackendPackets() {
        XCTAssertEqual(ConnectionMessageRoute.backendPacket([94, 0, 0, 0, 0, 0, 0, 0, 1, 65]), .relay)
        XCTAssertEqual(ConnectionMessageRoute.backendPacket(globalRequest("keepalive@openssh.com", wantReply: true)), .relay)
        XCTAssertEqual(ConnectionMessageRoute.backendPacket(globalRequest("hostkeys-00@openssh.com", wantReply: false,
                                                                          extra: [0, 0, 0, 1, 9])), .answer(nil))
        XCTAssertEqual(ConnectionMessageRoute.backendPacket(globalRequest("hostkeys-00@openssh.com", wantReply: true)),
                       .answer([82]))
    }

    func testHostileBackendPackets() {
        guard case .refuse = ConnectionMessageRoute.backendPacket([]) else { return XCTFail("empty") }
        guard case .refuse = ConnectionMessageRoute.backendPacket([52]) else { return XCTFail("userauth success") }
        guard case .refuse = ConnectionMessageRoute.backendPacket([20, 1, 2]) else { return XCTFail("kexinit") }
        // Truncated or lying global request headers are relayed as they are
        // (the client judges them), never read past their end.
        XCTAssertEqual(ConnectionMessageRoute.backendPacket([80]), .relay)
        XCTAssertEqual(ConnectionMessageRoute.backendPacket([80, 0xff, 0xff, 0xff, 0xff, 65]), .relay)
        XCTAssertEqual(ConnectionMessageRoute.backendPacket([80, 0, 0, 0, 3, 65, 66, 67]), .relay)
        XCTAssertNil(ConnectionMessage.requestHeader([80, 0x7f, 0xff, 0xff, 0xff], afterFixed: 1))
        XCTAssertNil(ConnectionMessage.requestHeader([80, 0, 0, 0, 1, 65], afterFixed: 1))
        XCTAssertEqual(ConnectionMessage.requestHeader([80, 0, 0, 0, 1, 65, 1], afterFixed: 1).map { Array($0.name) }, [65])
        for _ in 0..<2000 {
            let junk = [80] + (0..<Int.random(in: 0...12)).map { _ in UInt8.random(in: 0...255) }
            _ = ConnectionMessageRoute.backendPacket(junk)
        }
    }
}
