@testable import ProxySSH
import Foundation
import XCTest

final class AgentAndProviderTests: XCTestCase {
    func testIdentitiesAnswerParsesAndRefusesHostileReplies() throws {
        var w = SSHWriter()
        w.byte(12); w.uint32(2)
        w.string([1, 2, 3]); w.string("one")
        w.string([4]); w.string("two")
        let ids = try AgentProtocol.parseIdentities(w.bytes)
        XCTAssertEqual(ids.map(\.comment), ["one", "two"])
        XCTAssertEqual(ids[0].blob, [1, 2, 3])
        for n in 1..<w.bytes.count {
            XCTAssertThrowsError(try AgentProtocol.parseIdentities(Array(w.bytes[0..<n])), "cut at \(n)")
        }
        XCTAssertThrowsError(try AgentProtocol.parseIdentities(w.bytes + [0]))
        XCTAssertThrowsError(try AgentProtocol.parseIdentities([5])) { XCTAssertTrue("\($0)".contains("refused")) }
        XCTAssertThrowsError(try AgentProtocol.parseIdentities([12, 0xff, 0xff, 0xff, 0xff])) { XCTAssertTrue("\($0)".contains("claims")) }
        XCTAssertThrowsError(try AgentProtocol.parseIdentities([]))
    }

    func testSignRequestCarriesTheRSAFlags() throws {
        for (alg, flag) in [(HostKeyAlgorithm.rsaSHA256, UInt32(2)), (.rsaSHA512, 4), (.ed25519, 0)] {
            var r = SSHReader(AgentProtocol.signRequest(blob: [9], data: [8, 8], algorithm: alg))
            var body = SSHReader(try r.string())
            XCTAssertEqual(try body.byte(), 13)
            XCTAssertEqual(try body.string(), [9])
            XCTAssertEqual(try body.string(), [8, 8])
            XCTAssertEqual(try body.uint32(), flag)
        }
    }

    func testSignResponseMustBeOfTheRequestedAlgorithm() throws {
        func response(_ alg: String) -> [UInt8] {
            var sig = SSHWriter(); sig.string(alg); sig.string([1, 2])
            var w = SSHWriter(); w.byte(14); w.string(sig.bytes)
            return w.bytes
        }
        XCTAssertNoThrow(try AgentProtocol.parseSignature(response("rsa-sha2-512"), algorithm: .rsaSHA512))
        XCTAssertThrowsError(try AgentProtocol.parseSignature(response("ssh-rsa"), algorithm: .rsaSHA512)) {
            XCTAssertTrue("\($0)".contains("not the requested"))
        }
        XCTAssertThrowsError(try AgentProtocol.parseSignature([5], algorithm: .ed25519))
        XCTAssertThrowsError(try AgentProtocol.parseSignature([14, 0, 0], algorithm: .ed25519))
    }

    func testMissingAgentSocketIsNamed() {
        XCTAssertThrowsError(try AgentKey.keys(agentSocket: "/nonexistent/agent.sock")) {
            XCTAssertTrue("\($0)".contains("/nonexistent/agent.sock"), "\($0)")
        }
        XCTAssertThrowsError(try AgentKey.keys(agentSocket: String(repeating: "x", count: 200)))
    }

    func testPassphraseIsTheFirstLineOfOutput() {
        XCTAssertEqual(PassPhraseProvider.passphrase(fromOutput: Array("secret\n".utf8)), Array("secret".utf8))
        XCTAssertEqual(PassPhraseProvider.passphrase(fromOutput: Array("a b\r\nmore\n".utf8)), Array("a b".utf8))
        XCTAssertNil(PassPhraseProvider.passphrase(fromOutput: Array("\n".utf8)))
        XCTAssertNil(PassPhraseProvider.passphrase(fromOutput: []))
        XCTAssertEqual(PassPhraseProvider.arguments(serverName: "ftp.example", port: 2222, keyFile: "/k"), ["ftp.example:2222", "/k"])
    }

    func testProviderProgramIsRunWithItsArguments() throws {
        XCTAssertEqual(try PassPhraseProvider(program: "/bin/echo").passphrase(serverName: "s", port: 21, keyFile: "/etc/k"),
                       Array("s:21 /etc/k".utf8))
        XCTAssertThrowsError(try PassPhraseProvider(program: "/bin/false").passphrase(serverName: "s", port: 21, keyFile: "/k")) {
            XCTAssertTrue("\($0)".contains("exited with status 1"), "\($0)")
        }
        XCTAssertThrowsError(try PassPhraseProvider(program: "/bin/true").passphrase(serverName: "s", port: 21, keyFile: "/k")) {
            XCTAssertTrue("\($0)".contains("printed no passphrase"), "\($0)")
        }
        XCTAssertThrowsError(try PassPhraseProvider(program: "/nonexistent").passphrase(serverName: "s", port: 21, keyFile: "/k")) {
            XCTAssertTrue("\($0)".contains("/nonexistent"), "\($0)")
        }
        let script = NSTemporaryDirectory() + "slow-provider-\(getpid()).sh"
        try "#!/bin/sh\nexec sleep 30\n".write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        chmod(script, 0o755)
        var slow = PassPhraseProvider(program: script)
        slow.timeoutMilliseconds = 300
        XCTAssertThrowsError(try slow.passphrase(serverName: "s", port: 21, keyFile: "/k")) {
            XCTAssertTrue("\($0)".contains("did not finish within 300 ms"), "\($0)")
        }
    }
}
