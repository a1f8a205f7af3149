import XCTest
@testable import ProxyCore

final class ChannelWindowsTests: XCTestCase {
    typealias Side = ChannelWindows.Side

    private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    private func read32(_ p: [UInt8], _ at: Int) -> UInt32 { p[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) } }

    private func open(id: UInt32, window: UInt32, maxPacket: UInt32 = 32768, type: String = "session") -> [UInt8] {
        [90] + be32(UInt32(type.utf8.count)) + Array(type.utf8) + be32(id) + be32(window) + be32(maxPacket)
    }
    private func confirm(recipient: UInt32, id: UInt32, window: UInt32, maxPacket: UInt32 = 32768) -> [UInt8] {
        [91] + be32(recipient) + be32(id) + be32(window) + be32(maxPacket)
    }
    private func data(_ recipient: UInt32, _ count: Int) -> [UInt8] { [94] + be32(recipient) + be32(UInt32(count)) + [UInt8](repeating: 7, count: count) }
    private func extendedData(_ recipient: UInt32, _ count: Int) -> [UInt8] {
        [95] + be32(recipient) + be32(1) + be32(UInt32(count)) + [UInt8](repeating: 7, count: count)
    }
    private func adjust(_ recipient: UInt32, _ bytes: UInt32) -> [UInt8] { [93] + be32(recipient) + be32(bytes) }
    private func close(_ recipient: UInt32) -> [UInt8] { [97] + be32(recipient) }

    /// Client channel 3, backend channel 70: client window `clientWindow`, backend window `backendWindow`.
    private func opened(bound: UInt32 = 1000, clientWindow: UInt32 = 800, backendWindow: UInt32 = .max,
                        file: StaticString = #filePath, line: UInt = #line) throws -> (ChannelWindows, openSeen: [UInt8], confirmSeen: [UInt8]) {
        var w = ChannelWindows(bound: bound)
        var o = open(id: 3, window: clientWindow)
        XCTAssertEqual(try w.pass(&o, from: .client), .init(forward: true), file: file, line: line)
        var c = confirm(recipient: 3, id: 70, window: backendWindow)
        XCTAssertEqual(try w.pass(&c, from: .backend), .init(forward: true), file: file, line: line)
        XCTAssertEqual(w.openChannels, 1, file: file, line: line)
        return (w, o, c)
    }

    private func pass(_ w: inout ChannelWindows, _ payload: [UInt8], from side: Side) throws -> ChannelWindows.Decision {
        var p = payload
        let d = try w.pass(&p, from: side)
        XCTAssertEqual(p, payload, "only opens and confirmations are rewritten")
        return d
    }

    func testAHugeBackendWindowReachesTheClientBounded() throws {
        let (_, o, c) = try opened(bound: 1000, clientWindow: 800, backendWindow: .max)
        XCTAssertEqual(read32(c, 9), 1000, "the client sees the bound, not 4 GiB")
        XCTAssertEqual(read32(o, 5 + 7 + 4), 800, "a client window under the bound passes as it is")
        XCTAssertEqual(read32(c, 1), 3)
        XCTAssertEqual(read32(c, 5), 70)
    }

    func testAClientWindowAboveTheBoundIsBoundedTowardTheBackend() throws {
        let (_, o, c) = try opened(bound: 1000, clientWindow: 5000, backendWindow: 600)
        XCTAssertEqual(read32(o, 5 + 7 + 4), 1000)
        XCTAssertEqual(read32(c, 9), 600)
    }

    func testUploadCreditIsToppedUpAtHalfTheBoundWithoutWaitingForTheBackend() throws {
        var (w, _, _) = try opened(bound: 1000, backendWindow: .max)
        XCTAssertNil(try pass(&w, data(70, 400), from: .client).adjust)
        let d = try pass(&w, data(70, 100), from: .client)
        XCTAssertTrue(d.forward)
        XCTAssertEqual(d.adjust?.to, .client)
        XCTAssertEqual(d.adjust?.payload, adjust(3, 500), "to the client's own channel number")
        // The client now has 1000 again: 1000 more bytes are fine, 1001 are not.
        XCTAssertNotNil(try pass(&w, data(70, 1000), from: .client).adjust)
    }

    func testTheClientNeverGetsMoreThanTheBackendStillAccepts() throws {
        var (w, _, c) = try opened(bound: 1000, backendWindow: 300)
        XCTAssertEqual(read32(c, 9), 300)
        XCTAssertNil(try pass(&w, data(70, 300), from: .client).adjust, "the backend's window is used up: nothing to give")
        XCTAssertThrowsError(try pass(&w, data(70, 1), from: .client)) { error in
            XCTAssertEqual("\(error)", "the client sent 1 bytes on channel 70 beyond its window (0 bytes left)")
        }
    }

    func testTheBackendsAdjustIsAbsorbedAndPassedOnAsTheRelaysOwn() throws {
        var (w, _, _) = try opened(bound: 1000, backendWindow: 300)
        _ = try pass(&w, data(70, 300), from: .client)
        let d = try pass(&w, adjust(3, 2000), from: .backend)
        XCTAssertFalse(d.forward, "the relay keeps the backend's credit")
        XCTAssertEqual(d.adjust?.to, .client)
        XCTAssertEqual(d.adjust?.payload, adjust(3, 1000), "up to the bound only")
        // The backend still has 1000 of its 2000 beyond what the client holds.
        XCTAssertEqual(try pass(&w, data(70, 600), from: .client).adjust?.payload, adjust(3, 600))
        XCTAssertNil(try pass(&w, data(70, 0), from: .client).adjust)
    }

    func testASmallAdjustStillReachesASenderThatHasNothingLeft() throws {
        var (w, _, _) = try opened(bound: 1000, backendWindow: 100)
        _ = try pass(&w, data(70, 100), from: .client)
        let d = try pass(&w, adjust(3, 1), from: .backend)
        XCTAssertEqual(d.adjust?.payload, adjust(3, 1), "one byte of room is passed on: no stall")
    }

    func testDownloadCreditFollowsTheClientsAdjusts() throws {
        var (w, _, _) = try opened(bound: 1000, clientWindow: 800)
        XCTAssertNil(try pass(&w, data(3, 500), from: .backend).adjust, "the client's window is what the backend got")
        XCTAssertNil(try pass(&w, extendedData(3, 200), from: .backend).adjust)
        let d = try pass(&w, adjust(70, 700), from: .client)
        XCTAssertFalse(d.forward)
        XCTAssertEqual(d.adjust?.to, .backend)
        XCTAssertEqual(d.adjust?.payload, adjust(70, 700), "to the backend's channel number")
        XCTAssertThrowsError(try pass(&w, data(3, 801), from: .backend))
        XCTAssertNil(try pass(&w, data(3, 800), from: .backend).adjust)
    }

    func testExtendedDataUsesTheWindowToo() throws {
        var (w, _, _) = try opened(bound: 1000, clientWindow: 100)
        _ = try pass(&w, extendedData(3, 100), from: .backend)
        XCTAssertThrowsError(try pass(&w, extendedData(3, 1), from: .backend))
    }

    func testWindowOverflowPastTwoToThe32IsCapped() throws {
        var (w, _, _) = try opened(bound: 1000, backendWindow: .max - 10)
        _ = try pass(&w, data(70, 500), from: .client)       // adjust to the client: 500
        let d = try pass(&w, adjust(3, .max), from: .backend)  // would pass 2^32 - 1
        XCTAssertFalse(d.forward)
        XCTAssertNil(d.adjust, "the client already holds the bound")
        for _ in 0..<5 { _ = try pass(&w, data(70, 1000), from: .client) }
    }

    func testUnknownChannelsPassUnchanged() throws {
        var w = ChannelWindows(bound: 1000)
        XCTAssertEqual(try pass(&w, adjust(9, 5000), from: .backend), .init(forward: true))
        XCTAssertEqual(try pass(&w, data(9, 5000), from: .client), .init(forward: true))
        var c = confirm(recipient: 9, id: 1, window: .max)
        XCTAssertEqual(try w.pass(&c, from: .backend), .init(forward: true))
        XCTAssertEqual(read32(c, 9), .max, "a confirmation for an open the relay never saw is not rewritten")
        XCTAssertEqual(w.openChannels, 0)
    }

    func testCutShortMessagesAreRefusedNamingThem() throws {
        var (w, _, _) = try opened()
        for (payload, name) in [([94, 0, 0, 0, 70, 0, 0, 0, 9, 1], "CHANNEL_DATA"), ([93, 0, 0, 0, 3], "CHANNEL_WINDOW_ADJUST"),
                                ([91, 0, 0], "CHANNEL_OPEN_CONFIRMATION"), ([90, 0, 0, 0, 200, 65], "CHANNEL_OPEN"),
                                ([95, 0, 0, 0, 70], "CHANNEL_EXTENDED_DATA"), ([97], "CHANNEL_CLOSE"),
                                ([90, 255, 255, 255, 255], "CHANNEL_OPEN")] as [([UInt8], String)] {
            var p = payload
            XCTAssertThrowsError(try w.pass(&p, from: .client)) { XCTAssertEqual("\($0)", "the client sent a \(name) message cut short") }
        }
        var empty: [UInt8] = []
        XCTAssertEqual(try w.pass(&empty, from: .client), .init(forward: true))
    }

    func testCloseFromBothSidesForgetsTheChannelAndItsNumbersMayBeUsedAgain() throws {
        var (w, _, _) = try opened()
        _ = try pass(&w, close(70), from: .client)
        XCTAssertEqual(w.openChannels, 1)
        var reopen = open(id: 3, window: 10)
        XCTAssertThrowsError(try w.pass(&reopen, from: .client), "half closed: number 3 is still taken")
        _ = try pass(&w, close(3), from: .backend)
        XCTAssertEqual(w.openChannels, 0)
        var o = open(id: 3, window: 10)
        _ = try w.pass(&o, from: .client)
        var c = confirm(recipient: 3, id: 70, window: 20)
        _ = try w.pass(&c, from: .backend)
        XCTAssertEqual(w.openChannels, 1)
        XCTAssertThrowsError(try pass(&w, data(70, 21), from: .client))
    }

    func testOpenFailureDropsThePendingOpen() throws {
        var w = ChannelWindows(bound: 1000)
        var o = open(id: 5, window: 10)
        _ = try w.pass(&o, from: .client)
        XCTAssertEqual(w.pendingOpens, 1)
        _ = try pass(&w, [92] + be32(5) + be32(1) + be32(0) + be32(0), from: .backend)
        XCTAssertEqual(w.pendingOpens, 0)
    }

    func testChannelsTheBackendOpensAreBoundedToo() throws {
        var w = ChannelWindows(bound: 1000)
        var o = open(id: 40, window: .max, type: "forwarded-tcpip")
        _ = try w.pass(&o, from: .backend)
        XCTAssertEqual(read32(o, 5 + 15 + 4), 1000)
        var c = confirm(recipient: 40, id: 2, window: 500)
        _ = try w.pass(&c, from: .client)
        XCTAssertEqual(read32(c, 9), 500)
        XCTAssertThrowsError(try pass(&w, data(2, 501), from: .backend))
        XCTAssertNil(try pass(&w, data(40, 499), from: .client).adjust)
    }

    func testTwoChannelsKeepSeparateCredit() throws {
        var (w, _, _) = try opened(bound: 1000, backendWindow: 1000)
        var o = open(id: 4, window: 100)
        _ = try w.pass(&o, from: .client)
        var c = confirm(recipient: 4, id: 71, window: 100)
        _ = try w.pass(&c, from: .backend)
        _ = try pass(&w, data(71, 100), from: .client)
        XCTAssertThrowsError(try pass(&w, data(71, 1), from: .client), "channel 71 is used up")
        XCTAssertNil(try pass(&w, data(70, 400), from: .client).adjust, "channel 70 is not")
    }

    func testAReopenedNumberWhileStillOpenIsRefused() throws {
        var (w, _, _) = try opened()
        var o = open(id: 3, window: 10)
        XCTAssertThrowsError(try w.pass(&o, from: .client)) {
            XCTAssertEqual("\($0)", "the client opened channel 3 again while it was still open")
        }
        var o2 = open(id: 8, window: 10)
        _ = try w.pass(&o2, from: .client)
        var c = confirm(recipient: 8, id: 70, window: 10)
        XCTAssertThrowsError(try w.pass(&c, from: .backend), "the backend's number 70 is taken")
    }

    func testAFloodOfOpensIsTrackedOnlyUpToTheLimit() throws {
        var w = ChannelWindows(bound: 1000)
        for id in 0..<UInt32(ChannelWindows.maxChannels + 10) {
            var o = open(id: id, window: .max)
            _ = try w.pass(&o, from: .client)
            XCTAssertEqual(read32(o, 5 + 7 + 4), id < ChannelWindows.maxChannels ? 1000 : .max)
        }
        XCTAssertEqual(w.pendingOpens, ChannelWindows.maxChannels)
    }

    func testEachReceiversMaximumPacketIsKnownByItsOwnChannelNumber() throws {
        var w = ChannelWindows(bound: 1000)
        var o = open(id: 3, window: 800, maxPacket: 32768)
        _ = try w.pass(&o, from: .client)
        XCTAssertNil(w.maxPacket(ofReceiver: .client, channel: 3), "not before the confirmation")
        var c = confirm(recipient: 3, id: 70, window: 800, maxPacket: 16384)
        _ = try w.pass(&c, from: .backend)
        XCTAssertEqual(w.maxPacket(ofReceiver: .client, channel: 3), 32768)
        XCTAssertEqual(w.maxPacket(ofReceiver: .backend, channel: 70), 16384)
        XCTAssertNil(w.maxPacket(ofReceiver: .client, channel: 70))
        XCTAssertNil(w.maxPacket(ofReceiver: .backend, channel: 3))
        _ = try pass(&w, close(3), from: .backend)
        _ = try pass(&w, close(70), from: .client)
        XCTAssertNil(w.maxPacket(ofReceiver: .client, channel: 3), "forgotten with the channel")
    }

    func testAnOpenWithoutItsMaximumPacketStillOpensButIsNotKnownToTakeMore() throws {
        var w = ChannelWindows(bound: 1000)
        var o = Array(open(id: 3, window: 800).dropLast(4))
        XCTAssertEqual(try w.pass(&o, from: .client), .init(forward: true))
        var c = confirm(recipient: 3, id: 70, window: 800)
        _ = try w.pass(&c, from: .backend)
        XCTAssertEqual(w.openChannels, 1)
        XCTAssertNil(w.maxPacket(ofReceiver: .client, channel: 3))
        XCTAssertEqual(w.maxPacket(ofReceiver: .backend, channel: 70), 32768)
    }

    func testOtherMessagesPass() throws {
        var w = ChannelWindows()
        for m: UInt8 in [80, 81, 82, 96, 98, 99, 100, 120] {
            XCTAssertEqual(try pass(&w, [m, 0, 0, 0, 1], from: .client), .init(forward: true))
        }
    }
}
