@testable import ProxySSH
import XCTest

final class KeyLoadingTests: XCTestCase {
    private func load(_ name: String) throws -> PrivateKey {
        let f = KeyFixtures.all[name]!
        return try PrivateKeyFile.load(text: f.text, passphrase: try PrivateKeyFile.isEncrypted(f.text) ? KeyFixtures.passphrase : nil)
    }

    func testEveryFixtureLoadsWithTheRightPublicKey() throws {
        for (name, f) in KeyFixtures.all {
            let key = try load(name)
            let parts = f.publicLine.split(separator: " ")
            XCTAssertEqual(key.keyType, String(parts[0]), name)
            XCTAssertEqual(key.publicKeyBlob, Base64.decode(parts[1].utf8), name)
        }
    }

    func testEncryptionIsDetected() throws {
        let encrypted = KeyFixtures.all.filter { (try? PrivateKeyFile.isEncrypted($0.value.text)) == true }.keys.sorted()
        XCTAssertEqual(encrypted, ["ec-pkcs8-enc", "ecdsa-chacha", "ed25519-enc", "ed25519-gcm", "rsa-cbc", "rsa-pem-enc"])
    }

    /// Signatures over data verify with the transport's own host-key verifier.
    func testSignaturesVerifyForEveryAlgorithm() throws {
        let data = Array("exchange hash or hostbased data".utf8)
        var seen = Set<HostKeyAlgorithm>()
        for name in KeyFixtures.all.keys.sorted() {
            let key = try load(name)
            let verifier = try ServerHostKey(blob: key.publicKeyBlob)
            for algorithm in key.signatureAlgorithms {
                let sig = try key.sign(data, algorithm: algorithm)
                XCTAssertNoThrow(try verifier.verify(signatureBlob: sig, over: data, algorithm: algorithm), "\(name) \(algorithm)")
                XCTAssertThrowsError(try verifier.verify(signatureBlob: sig, over: data + [0], algorithm: algorithm), "\(name)")
                seen.insert(algorithm)
            }
            let other = HostKeyAlgorithm.allCases.first { $0.keyType != key.keyType }!
            XCTAssertThrowsError(try key.sign(data, algorithm: other), name)
        }
        XCTAssertEqual(seen, Set(HostKeyAlgorithm.defaultOrder))
    }

    func testMissingAndWrongPassphrasesAreNamed() {
        for name in ["ed25519-enc", "ed25519-gcm", "ecdsa-chacha", "rsa-cbc", "rsa-pem-enc", "ec-pkcs8-enc"] {
            let text = KeyFixtures.all[name]!.text
            XCTAssertThrowsError(try PrivateKeyFile.load(text: text)) {
                XCTAssertTrue("\($0)".contains("no passphrase"), "\(name): \($0)")
            }
            XCTAssertThrowsError(try PrivateKeyFile.load(text: text, passphrase: Array("wrong".utf8))) {
                XCTAssertTrue("\($0)".contains("wrong passphrase"), "\(name): \($0)")
            }
        }
    }

    func testGarbageIsRefused() {
        for text in ["", "hello", "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----",
                     "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
                     "-----END OPENSSH PRIVATE KEY-----\n-----BEGIN OPENSSH PRIVATE KEY-----",
                     "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"] {
            XCTAssertThrowsError(try PrivateKeyFile.load(text: text), text) { XCTAssertTrue($0 is PrivateKeyError, "\($0)") }
        }
    }

    private func blob(_ name: String) throws -> [UInt8] { try OpenSSHKeyFile.unarmor(KeyFixtures.all[name]!.text) }

    /// Every truncation and a flipped byte at every offset: an error, never a crash.
    func testTruncatedAndCorruptedKeysAreRefused() throws {
        for name in ["ed25519", "ecdsa521", "ed25519-gcm"] {
            let b = try blob(name)
            let pass: [UInt8]? = name.hasSuffix("gcm") ? KeyFixtures.passphrase : nil
            for n in stride(from: 0, to: b.count, by: name.hasSuffix("gcm") ? 29 : 1) {
                XCTAssertThrowsError(try OpenSSHKeyFile.load(Array(b[0..<n]), passphrase: pass), "\(name) cut at \(n)")
            }
            if pass == nil {
                for i in 0..<b.count {
                    var c = b
                    c[i] ^= 0x41
                    // Some flips (comment bytes) still give a usable key; none may crash.
                    _ = try? OpenSSHKeyFile.load(c, passphrase: nil)
                }
            }
        }
    }

    /// A field rewritten in the header: each gets its own message.
    func testUnsupportedHeadersAreNamed() throws {
        func rewrite(cipher: String = "none", kdf: String = "none", count: UInt32 = 1) throws -> [UInt8] {
            var r = SSHReader(try blob("ed25519"))
            _ = try r.raw(15)
            _ = try r.string(); _ = try r.string(); _ = try r.string(); _ = try r.uint32()
            let rest = try r.raw(r.remaining)
            var w = SSHWriter()
            w.raw(Array("openssh-key-v1".utf8) + [0])
            w.string(cipher); w.string(kdf); w.string([UInt8]()); w.uint32(count)
            w.raw(rest)
            return w.bytes
        }
        let cases: [([UInt8], String)] = [
            (try rewrite(cipher: "3des-cbc", kdf: "bcrypt"), "cipher 3des-cbc is not supported"),
            (try rewrite(cipher: "aes256-ctr", kdf: "scrypt"), "KDF scrypt is not supported"),
            (try rewrite(kdf: "bcrypt"), "names KDF bcrypt"),
            (try rewrite(count: 2), "holds 2 keys"),
        ]
        for (b, want) in cases {
            XCTAssertThrowsError(try OpenSSHKeyFile.load(b, passphrase: Array("x".utf8))) {
                XCTAssertTrue("\($0)".contains(want), "\($0)")
            }
        }
        XCTAssertThrowsError(try OpenSSHKeyFile.load(Array("openssh-key-v2".utf8) + [0], passphrase: nil))
    }

    func testBase64DecodingRoundTripsAndRefusesStrays() {
        var g = SeededGenerator(seed: 7)
        for n in 0..<40 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            let text = Base64.encodeUnpadded(bytes)
            XCTAssertEqual(Base64.decode(text.utf8), bytes)
            XCTAssertEqual(Base64.decode((text + String(repeating: "=", count: (4 - text.count % 4) % 4)).utf8), bytes)
        }
        XCTAssertNil(Base64.decode("AB*C".utf8))
        XCTAssertNil(Base64.decode("AB=C".utf8))
        XCTAssertNil(Base64.decode("A".utf8))
    }

    func testHostKeySourceParsesAgentForm() {
        XCTAssertEqual(HostKeySource(directiveValue: "agent:/run/agent.sock"), .agent(socketPath: "/run/agent.sock"))
        XCTAssertEqual(HostKeySource(directiveValue: "/etc/ssh/key"), .file("/etc/ssh/key"))
    }
}
