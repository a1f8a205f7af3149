import XCTest
@testable import ProxyCore

final class TransferThrottleTests: XCTestCase {
    func testDelayKeepsToTheRate() {
        let t = TransferThrottle(kilobytesPerSecond: 100, freeBytes: 0)   // 102400 B/s
        XCTAssertEqual(t.delayNanoseconds(bytes: 102_400, elapsedNanoseconds: 0), 1_000_000_000)
        XCTAssertEqual(t.delayNanoseconds(bytes: 102_400, elapsedNanoseconds: 400_000_000), 600_000_000)
        XCTAssertEqual(t.delayNanoseconds(bytes: 102_400, elapsedNanoseconds: 2_000_000_000), 0)
    }

    func testFreeBytesAreNotThrottled() {
        let t = TransferThrottle(kilobytesPerSecond: 1, freeBytes: 10_000)
        XCTAssertEqual(t.delayNanoseconds(bytes: 10_000, elapsedNanoseconds: 0), 0)
        XCTAssertEqual(t.delayNanoseconds(bytes: 11_024, elapsedNanoseconds: 0), 1_000_000_000)
    }

    func testChunkLimit() {
        XCTAssertEqual(TransferThrottle(kilobytesPerSecond: 1, freeBytes: 0).chunkLimit, 4096)
        XCTAssertEqual(TransferThrottle(kilobytesPerSecond: 800, freeBytes: 0).chunkLimit, 102_400)
        XCTAssertEqual(TransferThrottle(kilobytesPerSecond: 1_000_000, freeBytes: 0).chunkLimit, 1_048_576)
    }
}
