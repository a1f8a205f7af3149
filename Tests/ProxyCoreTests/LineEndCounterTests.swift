import XCTest
@testable import ProxyCore

final class LineEndCounterTests: XCTestCase {
    private func count(_ chunks: [String]) -> Int64 {
        var c = LineEndCounter()
        for s in chunks { Array(s.utf8).withUnsafeBytes { c.scan($0) } }
        return c.pairs
    }

    func testPairsInOneChunk() {
        XCTAssertEqual(count(["a\r\nb\r\n"]), 2)
        XCTAssertEqual(count(["a\nb\rc\r\r\n"]), 1)
        XCTAssertEqual(count([""]), 0)
    }

    func testPairSplitAcrossChunks() {
        XCTAssertEqual(count(["a\r", "\nb"]), 1)
        XCTAssertEqual(count(["a\r", "", "\n"]), 1)
        XCTAssertEqual(count(["a\r", "x\n"]), 0)
    }
}
