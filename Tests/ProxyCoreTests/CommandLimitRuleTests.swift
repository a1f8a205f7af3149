import XCTest
import Glibc
@testable import ProxyCore

final class CommandLimitRuleTests: XCTestCase {
    func testNamesFollowCommandThenGroupThenAll() {
        XCTAssertEqual(CommandLimitRule(command: "retr", argument: "f").names, ["RETR", "READ", "ALL"])
        XCTAssertEqual(CommandLimitRule(command: "LIST", argument: "").names, ["LIST", "DIRS", "ALL"])
        XCTAssertEqual(CommandLimitRule(command: "STOR", argument: "x").names, ["STOR", "WRITE", "ALL"])
        XCTAssertEqual(CommandLimitRule(command: "NOOP", argument: "").names, ["NOOP", "ALL"])
    }

    func testCommandsAPlainServerNeverLimits() {
        for c in ["TYPE", "MODE", "STRU", "REST", "ALLO", "SYST", "ABOR", "CLNT"] {
            XCTAssertEqual(CommandLimitRule(command: c, argument: "x").names, [], c)
        }
    }

    func testDataChannelCommandsAreNotInAll() {
        for c in ["PASV", "EPSV", "PORT", "EPRT"] {
            XCTAssertEqual(CommandLimitRule(command: c, argument: "").names, [c])
        }
        XCTAssertEqual(CommandLimitRule(command: "OPTS", argument: "UTF8 ON").names, ["OPTS"])
    }

    func testSiteSubcommands() {
        XCTAssertEqual(CommandLimitRule(command: "SITE", argument: "chmod 644 f").names, ["SITE_CHMOD", "WRITE", "ALL"])
        XCTAssertEqual(CommandLimitRule(command: "SITE", argument: "HELP").names, ["SITE_HELP", "ALL"])
    }

    func testDenialRepliesAsPlainProFTPD() {
        XCTAssertEqual(CommandLimitRule.denialReply(command: "RETR", argument: "f.txt", errno: EPERM).text,
                       "f.txt: Operation not permitted")
        XCTAssertTrue(CommandLimitRule.denialReply(command: "LIST", argument: "", errno: EACCES) == ("550", "LIST: Permission denied"))
        XCTAssertTrue(CommandLimitRule.denialReply(command: "PWD", argument: "", errno: EPERM) == ("550", "PWD: Permission denied"))
        XCTAssertTrue(CommandLimitRule.denialReply(command: "NOOP", argument: "", errno: EPERM) == ("550", "Operation not permitted"))
    }
}
