import COpenSSLCrypto
@testable import ProxySSH
import XCTest

/// The older ciphers, MACs and key exchanges the spec lists: published
/// vectors where there are any, the legacy provider, configuration checks.
final class OlderAlgorithmTests: XCTestCase {
    private func encrypt(_ cipher: CipherAlgorithm, key: String, iv: String?, _ clear: [UInt8]) throws -> [UInt8] {
        try encrypt(cipher, key: hex(key), iv: iv.map(hex), clear)
    }

    private func encrypt(_ cipher: CipherAlgorithm, key: [UInt8], iv: [UInt8]?, _ clear: [UInt8]) throws -> [UInt8] {
        let ctx = try EVPCipherContext(cipher: XCTUnwrap(cipher.evpCipher(), cipher.name), key: key,
                                       iv: iv, encrypt: true)
        var data = clear
        try data.transform(0..<data.count, with: ctx)
        return data
    }

    /// NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt), two blocks.
    func testAES128CBCAgainstSP800_38A() throws {
        let out = try encrypt(.aes128CBC, key: "2b7e151628aed2a6abf7158809cf4f3c", iv: "000102030405060708090a0b0c0d0e0f",
                              hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"))
        XCTAssertEqual(out, hex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"))
    }

    /// OpenSSL's bftest CBC vector (the legacy provider, loaded privately).
    func testBlowfishCBCFromTheLegacyProvider() throws {
        var clear = Array("7654321 Now is the time for ".utf8)
        clear += [UInt8](repeating: 0, count: 32 - clear.count)
        let out = try encrypt(.blowfishCBC, key: "0123456789abcdeff0e1d2c3b4a59687", iv: "fedcba9876543210", clear)
        XCTAssertEqual(out, hex("6b77b4d63006dee605b156e27403979358deb9e7154616d959f1652bd5ff92cc"))
    }

    /// RFC 2144 appendix B.1, 128-bit key (one block: CBC with a zero IV is ECB).
    func testCAST128AgainstRFC2144() throws {
        let out = try encrypt(.cast128CBC, key: "0123456712345678234567893456789a", iv: "0000000000000000", hex("0123456789abcdef"))
        XCTAssertEqual(out, hex("238b4fe5847e44b2"))
    }

    /// RFC 4345: arcfour128/256 drop 1536 keystream bytes, so the two
    /// directions agree and the first bytes differ from plain RC4.
    func testArcfourDiscardsTheFirstKeystream() throws {
        let key = SecureRandom.bytes(16)
        let plain = try encrypt(.arcfour128, key: key, iv: nil, [UInt8](repeating: 0, count: 1536 + 16))
        let seal = try CipherAlgorithm.arcfour128.protection(key: key, iv: [], mac: .hmacSHA1, macKey: SecureRandom.bytes(20), encrypt: true)
        var packet = [UInt8](repeating: 0, count: 16)
        try seal.seal(&packet, sequence: 0)
        XCTAssertEqual(Array(packet[0..<16]), Array(plain[1536...]))
    }

    /// RC4 itself (key schedule and output), the reference for arcfour256:
    /// it shows OpenSSL is given all 32 key bytes, not its default 16.
    private func rc4Keystream(key: [UInt8], count: Int) -> [UInt8] {
        var state = (0...255).map { UInt8($0) }
        var j = 0
        for i in 0..<256 {
            j = (j + Int(state[i]) + Int(key[i % key.count])) & 0xff
            state.swapAt(i, j)
        }
        var out: [UInt8] = []
        var i = 0
        j = 0
        for _ in 0..<count {
            i = (i + 1) & 0xff
            j = (j + Int(state[i])) & 0xff
            state.swapAt(i, j)
            out.append(state[(Int(state[i]) + Int(state[j])) & 0xff])
        }
        return out
    }

    /// arcfour256 likewise, with its 32-byte key, against RC4 written out here.
    func testArcfour256DiscardsTheFirstKeystream() throws {
        let key = SecureRandom.bytes(32)
        let plain = rc4Keystream(key: key, count: 1536 + 32)
        XCTAssertNotEqual(plain, rc4Keystream(key: Array(key[0..<16]), count: 1536 + 32))
        let seal = try CipherAlgorithm.arcfour256.protection(key: key, iv: [], mac: .hmacSHA1, macKey: SecureRandom.bytes(20), encrypt: true)
        var packet = [UInt8](repeating: 0, count: 32)
        try seal.seal(&packet, sequence: 0)
        XCTAssertEqual(Array(packet[0..<32]), Array(plain[1536...]))
    }

    /// RFC 4344 over 64-bit blocks (no peer here speaks 3des-ctr or
    /// blowfish-ctr): the keystream is E(IV + i) with the IV read as one
    /// big-endian number, so the counter carries across bytes; computed here
    /// block by block with OpenSSL's ECB mode and compared with what the
    /// cipher's sealing protection produces over zeros.
    func testSixtyFourBitCounterModesFollowRFC4344() throws {
        // RFC 4344: 3des-ctr takes 192-bit keys, blowfish-ctr 256-bit ones.
        for (cipher, keyLength) in [(CipherAlgorithm.tripleDESCTR, 24), (.blowfishCTR, 32)] {
            XCTAssertEqual(cipher.keyLength, keyLength, cipher.name)
            XCTAssertEqual(cipher.ivLength, 8, cipher.name)
            let key = SecureRandom.bytes(keyLength)
            let iv: [UInt8] = [0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe]
            var counters: [UInt8] = []
            var counter = iv
            for _ in 0..<6 {
                counters += counter
                for i in stride(from: 7, through: 0, by: -1) {
                    counter[i] &+= 1
                    if counter[i] != 0 { break }
                }
            }
            XCTAssertEqual(Array(counters[16..<24]), [0x01, 0x02, 0x03, 0x05, 0, 0, 0, 0], "the carry")
            // ECB of each counter block, with the whole key (OpenSSL's Blowfish defaults to 16 bytes).
            let ecb = try EVPCipherContext(cipher: XCTUnwrap(cipher.evpCipher()), key: key, iv: nil, encrypt: true,
                                           keyLength: keyLength)
            var expected = counters
            try expected.transform(0..<expected.count, with: ecb)
            let seal = try cipher.protection(key: key, iv: iv, mac: .hmacSHA1, macKey: SecureRandom.bytes(20), encrypt: true)
            var packet = [UInt8](repeating: 0, count: 48)
            try seal.seal(&packet, sequence: 0)
            XCTAssertEqual(Array(packet[0..<48]), expected, cipher.name)
            // The receiving side opens what a fresh sender seals, packet after packet.
            let macKey = SecureRandom.bytes(20)
            let sender = try cipher.protection(key: key, iv: iv, mac: .hmacSHA1, macKey: macKey, encrypt: true)
            let receiver = try cipher.protection(key: key, iv: iv, mac: .hmacSHA1, macKey: macKey, encrypt: false)
            for sequence in UInt32(0)..<3 {
                let clear: [UInt8] = [0, 0, 0, 12, 4, 94, 1, 2, 3, 4, 5, UInt8(sequence), 0, 0, 0, 0]
                var wire = clear
                try sender.seal(&wire, sequence: sequence)
                XCTAssertNotEqual(Array(wire[0..<16]), clear, cipher.name)
                XCTAssertEqual(try receiver.packetLength(header: Array(wire[0..<receiver.headerLength]), sequence: sequence), 12)
                XCTAssertEqual(try receiver.open(wire, sequence: sequence), clear, "\(cipher.name) packet \(sequence)")
            }
        }
    }

    /// The counter kept here matches OpenSSL's own CTR when both run AES,
    /// across a carry through the low bytes and in uneven pieces.
    func testCounterModeOverECBMatchesOpenSSLsCTR() throws {
        let key = SecureRandom.bytes(16)
        let iv = SecureRandom.bytes(12) + [0xff, 0xff, 0xff, 0xfe]
        let ours = try CounterModeCipher(ecb: EVP_aes_128_ecb(), key: key, iv: iv, keyLength: nil)
        let theirs = try EVPCipherContext(cipher: EVP_aes_128_ctr(), key: key, iv: iv, encrypt: true)
        let data = SecureRandom.bytes(1000)
        var a = data, b = data
        var at = 0, step = 1
        while at < a.count {
            let end = min(a.count, at + step)
            try a.transform(at..<end, with: ours)
            at = end
            step = step * 7 % 61 + 1
        }
        try b.transform(0..<b.count, with: theirs)
        XCTAssertEqual(a, b)
    }

    func testTruncatedMACsKeepTwelveBytes() throws {
        for mac in [MACAlgorithm.hmacSHA1_96, .hmacSHA1_96ETM, .hmacMD5_96, .hmacMD5_96ETM] {
            let full = try XCTUnwrap(try mac.authenticator(key: SecureRandom.bytes(mac.keyLength)))
            XCTAssertEqual(full.length, 12, mac.name)
        }
        XCTAssertEqual(MACAlgorithm.hmacMD5.tagLength, 16)
        XCTAssertNil(try MACAlgorithm.none.authenticator(key: []))
    }

    /// RFC 2202 test case 2 (key "Jefe") through the packet MAC: the
    /// sequence number is part of the MACed data, so it is peeled off here
    /// by MACing "what do ya want for nothing?" as seq 0x77686174 ("what").
    func testHMACSHA1AndMD5AgainstRFC2202() throws {
        let key = Array("Jefe".utf8)
        let rest = Array(" do ya want for nothing?".utf8)
        let seq: UInt32 = 0x7768_6174
        let sha1 = try MessageAuthenticator(digest: "SHA1", key: key, length: 20)
        XCTAssertEqual(try rest.withUnsafeBytes { try sha1.mac(sequence: seq, $0) }, hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"))
        let md5 = try MessageAuthenticator(digest: "MD5", key: key, length: 16)
        XCTAssertEqual(try rest.withUnsafeBytes { try md5.mac(sequence: seq, $0) }, hex("750c783e6ab0b503eaa86e310a5db738"))
    }

    /// RFC 7748 section 6.2.
    func testX448AgainstRFC7748() throws {
        let alice = try MontgomeryCurveAgreement(curve: .x448, privateKey: hex(
            "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b"))
        let bob = try MontgomeryCurveAgreement(curve: .x448, privateKey: hex(
            "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d"))
        XCTAssertEqual(alice.clientPublic, hex(
            "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0"))
        XCTAssertEqual(try alice.sharedSecret(serverPublic: bob.clientPublic), hex(
            "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"))
        XCTAssertThrowsError(try alice.sharedSecret(serverPublic: [UInt8](repeating: 0, count: 56)))
        XCTAssertThrowsError(try alice.sharedSecret(serverPublic: [UInt8](repeating: 5, count: 32)))
    }

    /// RFC 4432: a transient key under 1024 bits, or not RSA, is refused.
    func testRSAKeyExchangeRefusesAWeakOrForeignTransientKey() {
        func pubkey(_ type: String, modulusBytes: Int) -> [UInt8] {
            var k = SSHWriter()
            k.string(type)
            k.positiveMPInt([1, 0, 1])
            k.positiveMPInt([0xC3] + [UInt8](repeating: 0x5B, count: modulusBytes - 2) + [0x01])
            var w = SSHWriter()
            w.byte(30)
            w.string([0, 0, 0, 1, 0x41])
            w.string(k.bytes)
            return w.bytes
        }
        XCTAssertThrowsError(try RSAKeyExchange.respond(toPubkey: pubkey("ssh-rsa", modulusBytes: 64))) {
            XCTAssertEqual("\($0)", "rsa1024-sha1: the transient RSA key has 512 bits, under 1024")
        }
        XCTAssertThrowsError(try RSAKeyExchange.respond(toPubkey: pubkey("ssh-dss", modulusBytes: 128))) {
            XCTAssertEqual("\($0)", "rsa1024-sha1: the transient key is not an ssh-rsa key")
        }
        XCTAssertThrowsError(try RSAKeyExchange.respond(toPubkey: [30, 0, 0]))
    }

    func testSHA1KeyExchangesHashWithSHA1() {
        for kex in [KexAlgorithm.dhGroup1SHA1, .dhGroup14SHA1, .dhGroupExchangeSHA1, .rsa1024SHA1] {
            XCTAssertEqual(kex.hash, .sha1, kex.name)
            XCTAssertFalse(KexAlgorithm.defaultOrder.contains(kex), "\(kex.name) is not offered by default")
        }
        XCTAssertTrue(KexAlgorithm.dhGroupExchangeSHA1.isGroupExchange)
    }

    func testTheSupportedListsNameEveryImplementedAlgorithm() {
        let ciphers = SSHAlgorithms.supported(.cipher)
        for name in ["aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc", "blowfish-cbc", "cast128-cbc", "3des-ctr", "blowfish-ctr",
                     "arcfour128", "arcfour256", "none"] {
            XCTAssertTrue(ciphers.contains(name), name)
        }
        XCTAssertTrue(SSHAlgorithms.supported(.mac).contains("hmac-md5-96-etm@openssh.com"))
        XCTAssertTrue(SSHAlgorithms.supported(.keyExchange).contains("curve448-sha512"))
        XCTAssertEqual(SSHAlgorithms.unsupported(["aes128-ctr", "3des-ctr", "umac-64@openssh.com", "", "AES128-CTR"], in: .cipher),
                       ["umac-64@openssh.com", "", "AES128-CTR"])
        XCTAssertEqual(SSHAlgorithms.unsupported(["umac-64@openssh.com", "umac-128-etm@openssh.com", "umac-32@openssh.com"], in: .mac),
                       ["umac-32@openssh.com"])
        XCTAssertEqual(SSHAlgorithms.unsupported(["sntrup761x25519-sha512@openssh.com", "rsa1024-sha1", "mlkem768x25519-sha256"],
                                                 in: .keyExchange),
                       ["sntrup761x25519-sha512@openssh.com", "mlkem768x25519-sha256"])
    }

    func testConfiguredListsKeepTheirOrderAndRefuseUnknownNames() throws {
        let p = try AlgorithmPreferences(ciphers: ["3des-cbc", "aes128-ctr"], macs: ["hmac-md5", "none"],
                                         keyExchanges: ["diffie-hellman-group1-sha1"])
        XCTAssertEqual(p.ciphers, [.tripleDESCBC, .aes128CTR])
        XCTAssertEqual(p.macs, [.hmacMD5, .none])
        XCTAssertEqual(p.kex, [.dhGroup1SHA1])
        XCTAssertEqual(try AlgorithmPreferences(ciphers: nil, macs: [], keyExchanges: nil), AlgorithmPreferences())
        XCTAssertThrowsError(try AlgorithmPreferences(ciphers: ["twofish-cbc"], macs: nil, keyExchanges: nil)) {
            XCTAssertEqual("\($0)", "cipher algorithm 'twofish-cbc' is not supported by this build")
        }
        XCTAssertThrowsError(try AlgorithmPreferences(ciphers: nil, macs: ["umac-96@openssh.com"], keyExchanges: nil))
        XCTAssertThrowsError(try AlgorithmPreferences(ciphers: nil, macs: nil, keyExchanges: ["AES128-CTR\u{0}"]))
    }
}
