import ProxyCore
import XCTest

final class ReplyLedgerTests: XCTestCase {
    func testOwedRepliesAreSettledOneByOne() {
        var ledger = ReplyLedger()
        XCTAssertTrue(ledger.isSettled)
        XCTAssertFalse(ledger.settleNext())
        ledger.owe()
        ledger.owe(2)
        XCTAssertEqual(ledger.owed, 3)
        XCTAssertFalse(ledger.isSettled)
        XCTAssertEqual((0..<4).map { _ in ledger.settleNext() }, [true, true, true, false])
        XCTAssertTrue(ledger.isSettled)
    }

    func testNegativeCountsAreIgnored() {
        var ledger = ReplyLedger()
        ledger.owe(-5)
        ledger.owe(0)
        XCTAssertEqual(ledger.owed, 0)
    }

    func testAbortWithBothReplies() {
        var replies = AbortReplies()
        XCTAssertFalse(replies.receive(426))
        XCTAssertEqual(replies.stillOwed, 1)
        XCTAssertTrue(replies.receive(226))
        XCTAssertEqual(replies.stillOwed, 0)
    }

    func testAbortAfterTheTransferEnded() {
        var replies = AbortReplies()
        XCTAssertTrue(replies.receive(225), "a lone 225: the transfer's reply came before")
        XCTAssertEqual(replies.stillOwed, 0)
    }

    func testAbortWithNoReplyYet() {
        XCTAssertEqual(AbortReplies().stillOwed, 2)
        var one = AbortReplies()
        _ = one.receive(226)
        XCTAssertEqual(one.stillOwed, 1, "226 first is the transfer's; the ABOR's is owed")
    }

    func testAbortRepliesReachTheClientTransferFirst() {
        let code: (Int) -> Int = { $0 }
        XCTAssertTrue(AbortReplies.inClientOrder(226, 426, code: code) == (426, 226))
        XCTAssertTrue(AbortReplies.inClientOrder(426, 226, code: code) == (426, 226))
        XCTAssertTrue(AbortReplies.inClientOrder(226, 225, code: code) == (226, 225), "both 2xx: as they came")
        XCTAssertTrue(AbortReplies.inClientOrder(500, 226, code: code) == (500, 226))
    }
}
