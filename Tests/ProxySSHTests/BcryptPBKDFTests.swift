@testable import ProxySSH
import XCTest

final class BcryptPBKDFTests: XCTestCase {
    func testBlowfishInitialStateIsPi() {
        let w = BlowfishPiDigits.words
        XCTAssertEqual(w.count, 18 + 1024)
        XCTAssertEqual(w[0], 0x243f_6a88)   // P[0]
        XCTAssertEqual(w[17], 0x8979_fb1b)  // P[17]
        XCTAssertEqual(w[18], 0xd131_0ba6)  // S0[0]
        XCTAssertEqual(w[1041], 0x3ac3_72e6) // S3[255]
    }

    /// OpenBSD's bcrypt_pbkdf vectors (as in RustCrypto's bcrypt-pbkdf tests).
    func testOpenBSDVectors() throws {
        let cases: [([UInt8], [UInt8], Int, String)] = [
            (Array("password".utf8), Array("salt".utf8), 4, "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9"),
            (Array("password".utf8), [0], 4, "c12b566235eee04c212598970a579a67"),
            ([0], Array("salt".utf8), 4, "6051be18c2f4f82cbf0efee5471b4bb9"),
            (Array("password\0".utf8), Array("salt\0".utf8), 4, "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050"),
        ]
        for (pass, salt, rounds, want) in cases {
            let out = try BcryptPBKDF.derive(passphrase: pass, salt: salt, rounds: rounds, length: want.count / 2)
            XCTAssertEqual(out, hex(want), "\(pass) \(salt)")
        }
    }

    func testOutputLongerThanOneBlockInterleavesBlocks() throws {
        // 48 bytes (aes256-ctr key + IV) = two blocks; the first 32 bytes are
        // not the 32-byte output (bytes are interleaved over the key).
        let long = try BcryptPBKDF.derive(passphrase: Array("p".utf8), salt: Array("s".utf8), rounds: 2, length: 48)
        let short = try BcryptPBKDF.derive(passphrase: Array("p".utf8), salt: Array("s".utf8), rounds: 2, length: 32)
        XCTAssertEqual(long.count, 48)
        XCTAssertNotEqual(Array(long[0..<32]), short)
        XCTAssertEqual(long[0], short[0])
    }

    func testParametersOutOfRangeAreRefused() {
        XCTAssertThrowsError(try BcryptPBKDF.derive(passphrase: [1], salt: [1], rounds: 0, length: 32))
        XCTAssertThrowsError(try BcryptPBKDF.derive(passphrase: [1], salt: [1], rounds: BcryptPBKDF.maxRounds + 1, length: 32)) {
            XCTAssertTrue("\($0)".contains("out of range 1...10000"), "\($0)")
        }
        XCTAssertThrowsError(try BcryptPBKDF.derive(passphrase: [1], salt: [], rounds: 4, length: 32))
        XCTAssertThrowsError(try BcryptPBKDF.derive(passphrase: [1], salt: [1], rounds: 4, length: 0))
        XCTAssertThrowsError(try BcryptPBKDF.derive(passphrase: [1], salt: [1], rounds: 4, length: 100_000))
    }
}
