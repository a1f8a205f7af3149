@testable import ProxyCore
import XCTest

final class ServerMatchDecisionTests: XCTestCase {
    private func decide(_ line: String, _ rules: [SFTPServerMatch]) -> ServerMatchDecision {
        ServerMatchDecision.decide(identification: line, rules: rules) { POSIXRegex.matches($0, $1) ?? false }
    }

    func testTheSoftwareVersionIsWhatPatternsSee() {
        XCTAssertEqual(ServerMatchDecision.softwareVersion(ofIdentification: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
                       "OpenSSH_9.2p1")
        XCTAssertEqual(ServerMatchDecision.softwareVersion(ofIdentification: "SSH-1.99-Tectia"), "Tectia")
        XCTAssertEqual(ServerMatchDecision.softwareVersion(ofIdentification: "SSH-2.0-mod_sftp"), "mod_sftp")
        for bad in ["", "SSH-2.0-", "SSH-2.0- comment", "SSH-1.5-old", "HTTP/1.1 400", "ssh-2.0-lower"] {
            XCTAssertNil(ServerMatchDecision.softwareVersion(ofIdentification: bad), bad)
        }
    }

    func testMatchingRulesSetPessimisticNewkeys() {
        let rules = [SFTPServerMatch(pattern: "^OpenSSH_9", pessimisticNewkeys: true),
                     SFTPServerMatch(pattern: "^mod_sftp", pessimisticNewkeys: true)]
        let openssh = decide("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", rules)
        XCTAssertTrue(openssh.pessimisticNewkeys)
        XCTAssertEqual(openssh.matchedPatterns, ["^OpenSSH_9"])
        let other = decide("SSH-2.0-TectiaServer_6.4", rules)
        XCTAssertFalse(other.pessimisticNewkeys)
        XCTAssertEqual(other.matchedPatterns, [])
        // The comment is not matched ("Debian" appears only there).
        XCTAssertFalse(decide("SSH-2.0-OpenSSH_8 Debian", [SFTPServerMatch(pattern: "Debian", pessimisticNewkeys: true)])
            .pessimisticNewkeys)
    }

    func testALaterMatchingRuleWinsAndHostileLinesMatchNothing() {
        let rules = [SFTPServerMatch(pattern: ".*", pessimisticNewkeys: true),
                     SFTPServerMatch(pattern: "^Old", pessimisticNewkeys: false)]
        XCTAssertFalse(decide("SSH-2.0-OldServer", rules).pessimisticNewkeys)
        XCTAssertTrue(decide("SSH-2.0-NewServer", rules).pessimisticNewkeys)
        for hostile in ["SSH-2.0-", "GET / HTTP/1.0", String(repeating: "A", count: 5000)] {
            XCTAssertEqual(decide(hostile, rules), ServerMatchDecision(), hostile)
        }
        // Control bytes reach the regex engine as text, nothing more.
        XCTAssertEqual(decide("SSH-2.0-\u{1b}[2J\u{7f}", rules).matchedPatterns, [".*"])
    }
}
