@testable import ProxySSH
import XCTest

final class KnownAnswerTests: XCTestCase {
    /// RFC 7748 section 6.1.
    func testX25519AgainstRFC7748() throws {
        let alice = try MontgomeryCurveAgreement(privateKey: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = try MontgomeryCurveAgreement(privateKey: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        XCTAssertEqual(alice.clientPublic, hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        XCTAssertEqual(bob.clientPublic, hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
        let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        XCTAssertEqual(try alice.sharedSecret(serverPublic: bob.clientPublic), shared)
        XCTAssertEqual(try bob.sharedSecret(serverPublic: alice.clientPublic), shared)
    }

    func testX25519RefusesLowOrderPointsAndBadLengths() throws {
        let a = try MontgomeryCurveAgreement()
        XCTAssertThrowsError(try a.sharedSecret(serverPublic: [UInt8](repeating: 0, count: 32)))
        XCTAssertThrowsError(try a.sharedSecret(serverPublic: [UInt8](repeating: 1, count: 31)))
    }

    func testEveryKeyExchangeMethodAgreesWithItself() throws {
        for kex in KexAlgorithm.allCases where !kex.isGroupExchange && !kex.isRSAKeyExchange {
            let a = try kex.makeAgreement(), b = try kex.makeAgreement()
            XCTAssertEqual(try a.sharedSecret(serverPublic: b.clientPublic), try b.sharedSecret(serverPublic: a.clientPublic), kex.name)
        }
    }

    func testHostileServerValuesAreRefused() throws {
        let dh = try KexAlgorithm.dhGroup14SHA256.makeAgreement()
        for f in [[], [1], SecureRandom.bytes(300)] as [[UInt8]] {
            XCTAssertThrowsError(try dh.sharedSecret(serverPublic: f))
        }
        let ecdh = try KexAlgorithm.ecdhNISTP256.makeAgreement()
        var offCurve = ecdh.clientPublic
        offCurve[40] ^= 1
        XCTAssertThrowsError(try ecdh.sharedSecret(serverPublic: offCurve))
        XCTAssertThrowsError(try ecdh.sharedSecret(serverPublic: [4]))
    }

    /// RFC 4253 section 7.2 extension: a key longer than one hash is
    /// HASH(K||H||X||session_id) followed by HASH(K||H||K1).
    func testKeyDerivationExtendsWithTheHashChain() {
        let d = KeyDerivation(hash: .sha256, sharedSecret: [0x42], exchangeHash: [1, 2], sessionID: [3])
        let k1 = HashFunction.sha256.hash([0, 0, 0, 1, 0x42], [1, 2], [UInt8(ascii: "C")], [3])
        let k2 = HashFunction.sha256.hash([0, 0, 0, 1, 0x42], [1, 2], k1)
        XCTAssertEqual(d.key("C", length: 64), k1 + k2)
        XCTAssertEqual(d.key("C", length: 16), Array(k1.prefix(16)))
    }

    func testFingerprintIsOpenSSHsSHA256Form() throws {
        var w = SSHWriter()
        w.string("ssh-ed25519")
        w.string([UInt8](repeating: 0x11, count: 32))
        let key = try ServerHostKey(blob: w.bytes)
        let expected = "SHA256:" + Base64.encodeUnpadded(HashFunction.sha256.hash(w.bytes))
        XCTAssertEqual(key.fingerprint, expected)
        XCTAssertFalse(key.fingerprint.hasSuffix("="))
    }

    func testBadHostKeyBlobsAreRefused() {
        var unknown = SSHWriter()
        unknown.string("ssh-xmss@openssh.com")
        XCTAssertThrowsError(try ServerHostKey(blob: unknown.bytes)) { XCTAssertTrue("\($0)".contains("not supported")) }
        var emptyDSA = SSHWriter()
        emptyDSA.string("ssh-dss")
        XCTAssertThrowsError(try ServerHostKey(blob: emptyDSA.bytes))
        var wideQ = SSHWriter()
        wideQ.string("ssh-dss")
        for part in [[0xc5] + [UInt8](repeating: 7, count: 127), [0x9a] + [UInt8](repeating: 3, count: 31), [2], [5]] {
            wideQ.positiveMPInt(part)
        }
        XCTAssertThrowsError(try ServerHostKey(blob: wideQ.bytes)) { XCTAssertTrue("\($0)".contains("160-bit q"), "\($0)") }
        var short = SSHWriter()
        short.string("ssh-ed25519")
        short.string([1, 2, 3])
        XCTAssertThrowsError(try ServerHostKey(blob: short.bytes))
        var smallRSA = SSHWriter()
        smallRSA.string("ssh-rsa")
        smallRSA.positiveMPInt([1, 0, 1])
        smallRSA.positiveMPInt(SecureRandom.bytes(64))
        XCTAssertThrowsError(try ServerHostKey(blob: smallRSA.bytes)) { XCTAssertTrue("\($0)".contains("1024")) }
        var mixed = SSHWriter()
        mixed.string("ecdsa-sha2-nistp256")
        mixed.string("nistp384")
        mixed.string([4] + SecureRandom.bytes(96))
        XCTAssertThrowsError(try ServerHostKey(blob: mixed.bytes))
    }
}
