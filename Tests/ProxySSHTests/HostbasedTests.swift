@testable import ProxySSH
import XCTest

final class HostbasedTests: XCTestCase {
    private let sessionID = [UInt8](repeating: 0xab, count: 32)

    private func key(_ name: String) throws -> PrivateKey {
        try PrivateKeyFile.load(text: KeyFixtures.all[name]!.text)
    }

    func testSignedDataFollowsRFC4252Section9() throws {
        let req = HostbasedRequest(user: "alice", clientHost: "proxy.example", clientUser: "alice")
        let k = try key("ed25519")
        var r = SSHReader(req.signedData(sessionID: sessionID, algorithm: .ed25519, publicKeyBlob: k.publicKeyBlob))
        XCTAssertEqual(try r.string(), sessionID)
        XCTAssertEqual(try r.byte(), 50)
        XCTAssertEqual(try r.text(), "alice")
        XCTAssertEqual(try r.text(), "ssh-connection")
        XCTAssertEqual(try r.text(), "hostbased")
        XCTAssertEqual(try r.text(), "ssh-ed25519")
        XCTAssertEqual(try r.string(), k.publicKeyBlob)
        XCTAssertEqual(try r.text(), "proxy.example.")  // the trailing dot, as OpenSSH's client sends it
        XCTAssertEqual(try r.text(), "alice")
        XCTAssertTrue(r.isAtEnd)
        XCTAssertEqual(HostbasedRequest(user: "u", clientHost: "h.", clientUser: "u").clientHostOnWire, "h.")
    }

    func testPayloadCarriesASignatureOverTheSignedData() throws {
        let req = HostbasedRequest(user: "bob", clientHost: "localhost", clientUser: "bob")
        for name in ["ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa"] {
            let k = try key(name)
            let verifier = try ServerHostKey(blob: k.publicKeyBlob)
            for algorithm in k.signatureAlgorithms {
                let payload = try req.payload(sessionID: sessionID, key: k, algorithm: algorithm)
                let signed = req.signedData(sessionID: sessionID, algorithm: algorithm, publicKeyBlob: k.publicKeyBlob)
                // The payload is the signed data without the session id, plus the signature.
                let body = Array(signed.dropFirst(4 + sessionID.count))
                XCTAssertEqual(Array(payload.prefix(body.count)), body)
                var r = SSHReader(payload[body.count...])
                let sig = try r.string()
                XCTAssertTrue(r.isAtEnd)
                XCTAssertNoThrow(try verifier.verify(signatureBlob: sig, over: signed, algorithm: algorithm), "\(name) \(algorithm)")
            }
        }
    }

    func testRSASignatureChoiceFollowsServerSigAlgs() throws {
        func pick(_ algs: [String]?) throws -> [HostKeyAlgorithm] {
            try HostbasedSignatureChoice.algorithms(forKeyType: "ssh-rsa", serverSignatureAlgorithms: algs)
        }
        XCTAssertEqual(try pick(nil), [.rsaSHA512, .rsaSHA256])
        XCTAssertEqual(try pick(["ssh-ed25519", "rsa-sha2-256", "ssh-rsa"]), [.rsaSHA256])
        XCTAssertEqual(try pick(["rsa-sha2-256", "rsa-sha2-512"]), [.rsaSHA512, .rsaSHA256])
        XCTAssertEqual(try pick(["ssh-ed25519"]), [.rsaSHA512, .rsaSHA256])
        // SHA-1 only when the server lists nothing better, and only once the
        // transport has the algorithm (HostKeyAlgorithm "ssh-rsa").
        if let sha1 = HostKeyAlgorithm(rawValue: "ssh-rsa") {
            XCTAssertEqual(try pick(["ssh-rsa"]), [sha1])
        } else {
            XCTAssertThrowsError(try pick(["ssh-rsa"])) { XCTAssertTrue("\($0)".contains("SHA-1")) }
        }
        XCTAssertEqual(try HostbasedSignatureChoice.algorithms(forKeyType: "ecdsa-sha2-nistp384", serverSignatureAlgorithms: []), [.ecdsaP384])
        XCTAssertThrowsError(try HostbasedSignatureChoice.algorithms(forKeyType: "ssh-dss", serverSignatureAlgorithms: nil))
    }

    private func failure(_ methods: String) -> [UInt8] {
        var w = SSHWriter()
        w.byte(51); w.string(methods); w.boolean(false)
        return w.bytes
    }

    func testLoginTriesEachKeyUntilSuccess() throws {
        let keys: [SSHSigningKey] = [try key("ed25519"), try key("rsa")]
        let login = HostbasedLogin(request: HostbasedRequest(user: "u", clientHost: "h", clientUser: "u"),
                                   keys: keys, sessionID: sessionID, serverSignatureAlgorithms: ["rsa-sha2-256"])
        guard case .send(let first) = login.start() else { return XCTFail("no first request") }
        XCTAssertTrue(first.containsSubsequence(Array("ssh-ed25519".utf8)))
        var banner = SSHWriter()
        banner.byte(53); banner.string("welcome"); banner.string("")
        XCTAssertNil(try login.handle(banner.bytes))
        XCTAssertEqual(login.banner, "welcome")
        guard case .send(let second) = try login.handle(failure("publickey,hostbased")) else { return XCTFail("no second request") }
        XCTAssertTrue(second.containsSubsequence(Array("rsa-sha2-256".utf8)))
        XCTAssertEqual(try login.handle([52]), .succeeded)
        XCTAssertTrue(login.acceptedKey === keys[1])
        XCTAssertEqual(login.algorithm, .rsaSHA256)
    }

    /// A refused rsa-sha2-512 request is retried with rsa-sha2-256 before the next key.
    func testRSAKeyIsRetriedWithTheOtherHash() throws {
        let keys: [SSHSigningKey] = [try key("rsa"), try key("ed25519")]
        let login = HostbasedLogin(request: HostbasedRequest(user: "u", clientHost: "h", clientUser: "u"),
                                   keys: keys, sessionID: sessionID, serverSignatureAlgorithms: nil)
        var sent: [String] = []
        var step: HostbasedLogin.Step? = login.start()
        while case .send(let payload)? = step {
            var r = SSHReader(payload)
            _ = try r.byte(); _ = try r.text(); _ = try r.text(); _ = try r.text()
            sent.append(try r.text())
            step = try login.handle(failure("hostbased"))
        }
        XCTAssertEqual(sent, ["rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519"])
        guard case .refused(let why)? = step else { return XCTFail() }
        XCTAssertTrue(why.contains("rsa-sha2-512") && why.contains("rsa-sha2-256") && why.contains("ssh-ed25519"), why)
    }

    func testLoginReportsRefusal() throws {
        let login = HostbasedLogin(request: HostbasedRequest(user: "u", clientHost: "h", clientUser: "u"),
                                   keys: [try key("ecdsa256")], sessionID: sessionID, serverSignatureAlgorithms: nil)
        _ = login.start()
        guard case .refused(let why) = try login.handle(failure("publickey,hostbased")) else { return XCTFail() }
        XCTAssertTrue(why.contains("refused for every key") && why.contains("ecdsa-sha2-nistp256 SHA256:"), why)

        let other = HostbasedLogin(request: HostbasedRequest(user: "u", clientHost: "h", clientUser: "u"),
                                   keys: [try key("ecdsa256")], sessionID: sessionID, serverSignatureAlgorithms: nil)
        _ = other.start()
        guard case .refused(let why2) = try other.handle(failure("password")) else { return XCTFail() }
        XCTAssertTrue(why2.contains("does not offer hostbased"), why2)
        XCTAssertThrowsError(try other.handle([51]))
        var partial = SSHWriter()
        partial.byte(51); partial.string("password"); partial.boolean(true)
        let third = HostbasedLogin(request: HostbasedRequest(user: "u", clientHost: "h", clientUser: "u"),
                                   keys: [try key("ecdsa256")], sessionID: sessionID, serverSignatureAlgorithms: nil)
        _ = third.start()
        guard case .refused(let why3) = try third.handle(partial.bytes) else { return XCTFail() }
        XCTAssertTrue(why3.contains("requires more (password)"), why3)
        XCTAssertThrowsError(try other.handle([60]))
        XCTAssertThrowsError(try other.handle([]))

        let none = HostbasedLogin(request: HostbasedRequest(user: "u", clientHost: "h", clientUser: "u"),
                                  keys: [], sessionID: sessionID, serverSignatureAlgorithms: nil)
        guard case .refused = none.start() else { return XCTFail() }
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ s: [UInt8]) -> Bool { firstRange(of: s) != nil }
}
