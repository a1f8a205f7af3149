@testable import ProxySSH
import XCTest

final class NegotiationTests: XCTestCase {
    private func kexInit(kex: [String] = ["curve25519-sha256"], hostKeys: [String] = ["ssh-ed25519"],
                         ciphers: [String] = ["aes128-ctr"], macs: [String] = ["hmac-sha2-256"]) -> KexInit {
        KexInit(cookie: [UInt8](repeating: 0, count: 16), kexAlgorithms: kex, hostKeyAlgorithms: hostKeys,
                ciphers: ciphers, macs: macs, compression: ["none"])
    }

    func testTheClientsFirstChoiceThatTheServerHasWins() throws {
        let client = kexInit(kex: ["ecdh-sha2-nistp256", "curve25519-sha256"], ciphers: ["aes256-ctr", "aes128-ctr"],
                             macs: ["hmac-sha2-512", "hmac-sha2-256"])
        let server = kexInit(kex: ["curve25519-sha256", "ecdh-sha2-nistp256"], ciphers: ["aes128-ctr", "aes256-ctr"],
                             macs: ["hmac-sha2-256", "hmac-sha2-512"])
        let a = try AlgorithmNegotiation.negotiate(client: client, server: server)
        XCTAssertEqual(a.kex, .ecdhNISTP256)
        XCTAssertEqual(a.cipherClientToServer, .aes256CTR)
        XCTAssertEqual(a.macServerToClient, .hmacSHA512)
        XCTAssertFalse(a.ignoreGuessedPacket)
    }

    func testTheDefaultOfferGetsAESGCMFromOpenSSHAndModSFTP() throws {
        let ours = kexInit(ciphers: CipherAlgorithm.defaultOrder.map(\.name))
        // OpenSSH 9's server order, and mod_sftp 1.3.8's (no chacha20-poly1305).
        for theirs in [["chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
                        "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"],
                       ["aes256-ctr", "aes192-ctr", "aes128-ctr", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com"]] {
            let a = try AlgorithmNegotiation.negotiate(client: ours, server: kexInit(ciphers: theirs))
            XCTAssertEqual(a.cipherClientToServer, .aes128GCM)
            XCTAssertNil(a.macClientToServer)
        }
        // A server without AES-GCM still gets the rest of OpenSSH's set.
        let old = try AlgorithmNegotiation.negotiate(client: ours, server: kexInit(ciphers: ["aes256-ctr", "chacha20-poly1305@openssh.com"]))
        XCTAssertEqual(old.cipherClientToServer, .chacha20Poly1305)
    }

    func testNoCommonAlgorithmNamesTheCategoryAndBothLists() {
        let client = kexInit(ciphers: ["chacha20-poly1305@openssh.com"])
        let server = kexInit(ciphers: ["aes128-cbc", "3des-cbc"])
        XCTAssertThrowsError(try AlgorithmNegotiation.negotiate(client: client, server: server)) {
            XCTAssertEqual("\($0)", "no matching cipher (client to server): we offer chacha20-poly1305@openssh.com; the server offers aes128-cbc,3des-cbc")
        }
    }

    func testAnAEADCipherNeedsNoMAC() throws {
        let a = try AlgorithmNegotiation.negotiate(client: kexInit(ciphers: ["aes256-gcm@openssh.com"], macs: ["hmac-sha2-256"]),
                                                   server: kexInit(ciphers: ["aes256-gcm@openssh.com"], macs: ["umac-64@openssh.com"]))
        XCTAssertEqual(a.cipherClientToServer, .aes256GCM)
        XCTAssertNil(a.macClientToServer)
    }

    func testExtensionMarkersAreNeverChosenAsAMethod() {
        let client = kexInit(kex: [KexAlgorithm.extInfoClient, KexAlgorithm.strictClient, "curve25519-sha256"])
        let server = kexInit(kex: [KexAlgorithm.extInfoClient, KexAlgorithm.strictClient])
        XCTAssertThrowsError(try AlgorithmNegotiation.negotiate(client: client, server: server))
    }

    func testAWrongGuessIsDetected() throws {
        var server = kexInit(kex: ["ecdh-sha2-nistp256", "curve25519-sha256"])
        server.firstKexPacketFollows = true
        let wrong = try AlgorithmNegotiation.negotiate(client: kexInit(), server: server)
        XCTAssertTrue(wrong.ignoreGuessedPacket)
        var right = kexInit()
        right.firstKexPacketFollows = true
        XCTAssertFalse(try AlgorithmNegotiation.negotiate(client: kexInit(), server: right).ignoreGuessedPacket)
    }

    func testKexInitRoundTripAndTruncation() throws {
        var k = AlgorithmPreferences().kexInit(initial: true)
        k.firstKexPacketFollows = true
        let bytes = k.encoded()
        XCTAssertEqual(try KexInit.decode(bytes), k)
        XCTAssertTrue(k.kexAlgorithms.contains(KexAlgorithm.strictClient))
        XCTAssertFalse(AlgorithmPreferences().kexInit(initial: false).kexAlgorithms.contains(KexAlgorithm.extInfoClient))
        for cut in [1, 10, 17, 40, bytes.count - 1] {
            XCTAssertThrowsError(try KexInit.decode(Array(bytes.prefix(cut))), "cut at \(cut)")
        }
    }

    func testExtInfoServerSigAlgs() throws {
        var w = SSHWriter()
        w.byte(7)
        w.uint32(2)
        w.string("server-sig-algs")
        w.string("ssh-ed25519,rsa-sha2-256")
        w.string("publickey-hostbound@openssh.com")
        w.string("0")
        let info = try ExtInfo.decode(w.bytes)
        XCTAssertEqual(info.serverSignatureAlgorithms, ["ssh-ed25519", "rsa-sha2-256"])
        var lie = SSHWriter()
        lie.byte(7)
        lie.uint32(0xffff_ffff)
        XCTAssertThrowsError(try ExtInfo.decode(lie.bytes))
    }
}
