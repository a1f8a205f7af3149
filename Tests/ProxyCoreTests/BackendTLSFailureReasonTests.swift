import ProxyCore
import XCTest

final class BackendTLSFailureReasonTests: XCTestCase {
    func testEachReasonNamesTheBackend() {
        let reasons: [BackendTLSFailureReason] = [
            .authTLSRefused(code: 500), .timedOut(seconds: 2), .certificateNameMismatch,
            .certificateRejected("self-signed certificate"), .protocolMismatch, .noSharedCipher,
            .clientCertificateRequired, .closedByBackend, .handshakeFailed,
        ]
        for reason in reasons {
            let text = reason.clientText(backend: "[2001:db8::1]:21")
            XCTAssertTrue(text.hasPrefix("TLS to backend [2001:db8::1]:21 failed: "), text)
            XCTAssertFalse(reason.summary.isEmpty)
        }
        XCTAssertEqual(BackendTLSFailureReason.timedOut(seconds: 5).clientText(backend: "b.example:990"),
                       "TLS to backend b.example:990 failed: TLS handshake timed out after 5s")
        XCTAssertEqual(BackendTLSFailureReason.authTLSRefused(code: 534).summary,
                       "backend refused AUTH TLS (534) and TLS is required")
    }

    func testHostileTextCannotBreakTheReplyLine() {
        let reason = BackendTLSFailureReason.certificateRejected("bad\r\n230 Logged in\u{0}\u{7f}é" + String(repeating: "x", count: 500))
        let text = reason.clientText(backend: "host\r\n530 x:21")
        XCTAssertFalse(text.contains("\r") || text.contains("\n") || text.contains("\u{0}"), text)
        XCTAssertTrue(text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f }, text)
        XCTAssertLessThan(text.count, 500, "bounded: \(text.count)")
    }
}
