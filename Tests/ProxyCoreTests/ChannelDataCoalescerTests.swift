import XCTest
@testable import ProxyCore

final class ChannelDataCoalescerTests: XCTestCase {
    private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    private func data(_ recipient: UInt32, _ bytes: [UInt8]) -> [UInt8] { [94] + be32(recipient) + be32(UInt32(bytes.count)) + bytes }
    private func bytes(_ count: Int, from start: Int = 0) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: start + $0) } }

    /// Everything the coalescer hands out for `payloads` plus its final flush.
    private func run(_ payloads: [[UInt8]], maxPacket: @escaping (UInt32) -> UInt32? = { _ in 32768 }) -> [[UInt8]] {
        var c = ChannelDataCoalescer()
        var out: [[UInt8]] = []
        for p in payloads { out += c.add(p, maxPacket: maxPacket) }
        if let rest = c.flush() { out.append(rest) }
        return out
    }

    func testTwoHalfSizePacketsBecomeOneWithTheBytesInOrder() {
        let a = bytes(16384), b = bytes(16384, from: 99)
        XCTAssertEqual(run([data(5, a), data(5, b)]), [data(5, a + b)])
    }

    func testNothingGrowsBeyondTheReceiversMaximumPacket() {
        let parts = (0..<7).map { bytes(16384, from: $0) }
        let out = run(parts.map { data(5, $0) })
        XCTAssertEqual(out, [data(5, parts[0] + parts[1]), data(5, parts[2] + parts[3]), data(5, parts[4] + parts[5]), data(5, parts[6])])
        XCTAssertEqual(run([data(5, bytes(100)), data(5, bytes(100))], maxPacket: { _ in 150 }), [data(5, bytes(100)), data(5, bytes(100))])
    }

    func testAHugeAnnouncedMaximumIsCapped() {
        let parts = (0..<6).map { bytes(16384, from: $0) }
        let out = run(parts.map { data(5, $0) }, maxPacket: { _ in .max })
        XCTAssertEqual(out.map(\.count), [9 + ChannelDataCoalescer.dataCap, 9 + 2 * 16384])
        XCTAssertEqual(out.flatMap { $0.dropFirst(9) }, parts.flatMap { $0 })
    }

    func testOtherChannelsAndOtherMessagesKeepTheirPlace() {
        let eof: [UInt8] = [96] + be32(5)
        let close: [UInt8] = [97] + be32(5)
        let out = run([data(5, bytes(10)), data(6, bytes(20)), data(6, bytes(30)), data(5, bytes(40)), eof, data(5, bytes(50)), close])
        XCTAssertEqual(out, [data(5, bytes(10)), data(6, bytes(20) + bytes(30)), data(5, bytes(40)), eof, data(5, bytes(50)), close])
    }

    func testUnknownChannelsPassOneByOne() {
        let out = run([data(5, bytes(10)), data(5, bytes(10))], maxPacket: { _ in nil })
        XCTAssertEqual(out, [data(5, bytes(10)), data(5, bytes(10))])
    }

    func testMalformedDataPassesAsItIsAndIsNeverJoined() {
        let short: [UInt8] = [94, 0, 0, 0, 5, 0, 0]                        // cut inside the length
        let lying: [UInt8] = [94] + be32(5) + be32(1000) + bytes(10)         // says more than it has
        let trailing: [UInt8] = [94] + be32(5) + be32(2) + bytes(10)         // has more than it says
        let empty: [UInt8] = []
        let out = run([data(5, bytes(3)), short, data(5, bytes(3)), lying, trailing, empty, data(5, bytes(3))])
        XCTAssertEqual(out, [data(5, bytes(3)), short, data(5, bytes(3)), lying, trailing, empty, data(5, bytes(3))])
    }

    func testEmptyDataJoinsHarmlesslyAndFlushLeavesNothingBehind() {
        var c = ChannelDataCoalescer()
        XCTAssertEqual(c.add(data(5, []), maxPacket: { _ in 100 }), [])
        XCTAssertEqual(c.add(data(5, bytes(4)), maxPacket: { _ in 100 }), [])
        XCTAssertEqual(c.flush(), data(5, bytes(4)))
        XCTAssertNil(c.flush())
    }
}
