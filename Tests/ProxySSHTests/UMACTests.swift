@testable import ProxySSH
import XCTest

/// UMAC-64/128 (RFC 4418 with AES-128) against the reference
/// implementation's known answers, and its POLY arithmetic against 128-bit
/// integers.
final class UMACTests: XCTestCase {
    /// Key "abcdefghijklmnop", nonce "abcdefgh", messages of 'a': the
    /// reference code's vectors (UMAC-64 is the first half of UMAC-128's tag
    /// here: the nonce's low bit is 0 and the streams share their keys).
    func testKnownAnswers() throws {
        let key = Array("abcdefghijklmnop".utf8)
        let nonce: UInt64 = 0x6162_6364_6566_6768
        let vectors: [(Int, String)] = [
            (0, "4D61E4F5AAB959C8B800A2BE546302AD"),
            (3, "67C1700CA30B532DCD9B970655B47B45"),
            (1024, "05CB9405EC38D9F0B356D9E6D5BC5D03"),
            (32768, "048C543CB72443A46011A76438BA2AF4"),
        ]
        let u128 = try UMAC(key: key, tagLength: 16), u64 = try UMAC(key: key, tagLength: 8)
        for (n, expected) in vectors {
            let message = [UInt8](repeating: 0x61, count: n)
            let want = hex(expected.lowercased())
            XCTAssertEqual(try message.withUnsafeBytes { try u128.tag(nonce: nonce, $0) }, want, "umac-128, \(n) bytes")
            XCTAssertEqual(try message.withUnsafeBytes { try u64.tag(nonce: nonce, $0) }, Array(want.prefix(8)), "umac-64, \(n) bytes")
        }
    }

    func testNoncesChangeTheTagAndOddEvenPairsShareABlock() throws {
        let u = try UMAC(key: SecureRandom.bytes(16), tagLength: 8)
        let data = SecureRandom.bytes(100)
        let tags = try (0..<4).map { n in try data.withUnsafeBytes { try u.mac(sequence: UInt32(n), $0) } }
        XCTAssertEqual(Set(tags.map { $0 }).count, 4)
        XCTAssertEqual(try data.withUnsafeBytes { try u.mac(sequence: 3, $0) }, tags[3], "deterministic")
    }

    func testPolyStepIsExactModP64() {
        var rng = SeededGenerator(seed: 4418)
        let p = UInt128(UMAC.p64)
        for _ in 0..<2000 {
            let y = UInt64.random(in: 0..<UMAC.p64, using: &rng)
            let key = UInt64.random(in: 0...UInt64.max, using: &rng) & 0x01FF_FFFF_01FF_FFFF
            let m = UInt64.random(in: 0..<UMAC.p64, using: &rng)
            let want = (UInt128(y) * UInt128(key) % p + UInt128(m)) % p
            XCTAssertEqual(UInt128(UMAC.polyStep(y, key, m)), want)
        }
        XCTAssertEqual(UMAC.polyStep(UMAC.p64 - 1, 0x01FF_FFFF_01FF_FFFF, UMAC.p64 - 1),
                       UInt64((UInt128(UMAC.p64 - 1) * UInt128(0x01FF_FFFF_01FF_FFFF) + UInt128(UMAC.p64 - 1)) % p))
    }
}
