import XCTest
@testable import ProxySSH

final class UserAuthMessagesTests: XCTestCase {
    private func infoRequest(prompts: [(String, Bool)], count: UInt32? = nil) -> [UInt8] {
        var w = SSHWriter()
        w.byte(60)
        w.string("name")
        w.string("instruction")
        w.string("")
        w.uint32(count ?? UInt32(prompts.count))
        for (text, echo) in prompts {
            w.string(text)
            w.boolean(echo)
        }
        return w.bytes
    }

    func testRequestsAreRFC4252() throws {
        var r = SSHReader(UserAuthMessages.passwordRequest(user: "alice", password: "pw"))
        XCTAssertEqual(try r.byte(), 50)
        XCTAssertEqual(try r.text(), "alice")
        XCTAssertEqual(try r.text(), "ssh-connection")
        XCTAssertEqual(try r.text(), "password")
        XCTAssertEqual(try r.boolean(), false)
        XCTAssertEqual(try r.text(), "pw")
        XCTAssertTrue(r.isAtEnd)
        r = SSHReader(UserAuthMessages.infoResponse(["a", "bc"]))
        XCTAssertEqual(try r.byte(), 61)
        XCTAssertEqual(try r.uint32(), 2)
        XCTAssertEqual(try r.text(), "a")
        XCTAssertEqual(try r.text(), "bc")
        XCTAssertTrue(r.isAtEnd)
    }

    func testReplies() throws {
        XCTAssertEqual(try UserAuthMessages.decode([52], keyboardInteractive: false), .success)
        var w = SSHWriter()
        w.byte(51)
        w.nameList(["publickey", "password"])
        w.boolean(false)
        XCTAssertEqual(try UserAuthMessages.decode(w.bytes, keyboardInteractive: false),
                       .failure(methods: ["publickey", "password"]))
        XCTAssertEqual(try UserAuthMessages.decode([60, 0, 0, 0, 0], keyboardInteractive: false), .passwordChangeRequest)
        XCTAssertEqual(try UserAuthMessages.decode(infoRequest(prompts: [("Password: ", false), ("OTP: ", true)]),
                                                   keyboardInteractive: true),
                       .infoRequest(.init(name: "name", instruction: "instruction",
                                          prompts: [.init(text: "Password: ", echo: false), .init(text: "OTP: ", echo: true)])))
        XCTAssertEqual(try UserAuthMessages.decode([94], keyboardInteractive: true), .unexpected(94))
    }

    func testHostileReplies() {
        XCTAssertThrowsError(try UserAuthMessages.decode([], keyboardInteractive: true))
        // a prompt count far beyond what follows, or beyond the relay's limit
        XCTAssertThrowsError(try UserAuthMessages.decode(infoRequest(prompts: [], count: 0xffff_ffff), keyboardInteractive: true))
        XCTAssertThrowsError(try UserAuthMessages.decode(infoRequest(prompts: Array(repeating: ("p", false), count: 33)),
                                                         keyboardInteractive: true))
        XCTAssertThrowsError(try UserAuthMessages.decode(infoRequest(prompts: [("p", false)], count: 2), keyboardInteractive: true))
        XCTAssertThrowsError(try UserAuthMessages.decode([51, 0, 0, 0, 3, 0x41, 0x20, 0x42], keyboardInteractive: true))
        let valid = infoRequest(prompts: [("Password: ", false)])
        for cut in 1..<valid.count {
            XCTAssertThrowsError(try UserAuthMessages.decode(Array(valid[..<cut]), keyboardInteractive: true), "cut at \(cut)")
        }
        for _ in 0..<3000 {
            let junk = [UInt8([51, 60].randomElement()!)] + (0..<Int.random(in: 0...24)).map { _ in UInt8.random(in: 0...255) }
            _ = try? UserAuthMessages.decode(junk, keyboardInteractive: Bool.random())
        }
    }
}
