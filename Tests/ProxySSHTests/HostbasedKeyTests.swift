import XCTest
@testable import ProxySSH

/// ProxySFTPHostKey keys sign hostbased requests that a verifier accepts.
final class HostbasedKeyTests: XCTestCase {
    static let pems: [String: String] = [
        "openssh-ed25519": """
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACCvKGDMW6jx13NasYa+KLPY2tC+e+fMhXpgAUyiaVThBAAAAJDD/q5Sw/6u
UgAAAAtzc2gtZWQyNTUxOQAAACCvKGDMW6jx13NasYa+KLPY2tC+e+fMhXpgAUyiaVThBA
AAAEARVIfB/3hqG9mwdphPDYniyaVIRsg11hPhs1qsoaUBO68oYMxbqPHXc1qxhr4os9ja
0L5758yFemABTKJpVOEEAAAAB3Jvb3RAdm0BAgMEBQY=
-----END OPENSSH PRIVATE KEY-----
""",
        "ec": """
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIFEeRjyvPgVb01oGE4lVqP0Gu+Az6zLssU8iuuL7aji1oAoGCCqGSM49
AwEHoUQDQgAE81epJWS5+rApKypI7qIXi+WC8sEMG1xnEBxFwpkSfkhV11f+sh/K
zp4NwR+5Q4n9AdZitprOR5Zytbct4NRSgA==
-----END EC PRIVATE KEY-----
""",
        "ed": """
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEICxg2EuHEoInlyDZt94cI4sh8c9lDAGux3S3xywf4yci
-----END PRIVATE KEY-----
""",
        "rsa": """
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAwVD5df+Y4OpQNp70MFnyFUGyerv8aVh3w80jeRf8qjQTaOMK
2ni5RmP72hq1HmAaAsv9VnVIqOIkvoN+81clyguj3xdEdYVum3IIK8he6Z3vHZ2i
T63yETYKYUZbM4qHh4i5uRPARrHkdlkZXWjCHK2lFjbGA6zBAFEb4Ygae3pDdrXR
u37vL61piaeuZC08pxT4DQFgeDvexGHBcaa6caDdQUlbCyqls5sEjk5RP7UqVsfq
QMly/Zx94VZqA+0LYMNoD3YXy3UC2jZtQ/60CX9fJrY8fSEnS6Teg4dx4ufWwOLV
3g7/ASKenbgf4hQNK9c+5gacEZNpVD2yKE9oWQIDAQABAoIBAAgsj3nH8pvLCJSA
rOBZA0mXDzANoBcHvrusokP56cz8GfiAxioV+faSHnl60N79jwgAfmAwIiAC/O0B
1CW/sPk9vAKAQjyqZVKFFDeet7Wu4AgbbNwr5Z0I8RArKIrRwBiQ5VKANWx/0+JV
suL+XZvXE1CQxRdtb/U+mLxU9BK1tiwBcZTidMQIEAcSEoguCNLWZipef9+ycpJJ
xvtr3OR8pY+Ca3bCnney/Gg76Lpj14sM4wbjVr++FSn5Smu8zqAdmw0WZ28BDWt7
qHpQBM8q+YH4p6mz8WgQtvgeDDchERzcC3CZmZHXdD0EcHb06n4gE+WLb9qvQG5C
bWXNX4ECgYEA/BKO+y27bCauPtMH20nmIKFtJnuuf5zoPBtcHnXMBxdDzgw5k/Rx
UkmuzjdN4VeAcBFwgJxQyvhr9HFpkNNPcGD4P8Np1f1EVCfvk++jEADizk5wpUA/
V+tamac8mNfdCNHyvhvQkAr7otT/V+HLdy9ETSXsoKN4Q3feZ+rMaoECgYEAxFQO
HjkL77kLilyiv41g8PYOo4CcT3/xiU2LPb0ba1gYt0rF5fNYhhz8JlZrD2YUm7Pe
3Ar1Jodkt8LdWYE+ULhidmYsPfrna2eo/wAtBe3RYU7f1PwXBeo6KxoGSxU/UuxH
Zmtp0031Xg6pPWGPe0vRrkQhMn1ZyIUkjj8OodkCgYEAjGpeIYdRHybQ64gsmTgq
LEUgA07kXovuRgVLpGAkHlMUX0QqEsQZGCiZaqAeDwfqMQNV8x6gVuBZapp+nsFH
QCeUQhi97QkfNe3lJDhaUkDcFuZVE4idgIFHP86MD+w3YYFqQgJGhObJU+RotPC/
oY2/82XL0ZQeGx870hFWe4ECgYEArQQSSQom/cTKac3HUx3pr5B4SBjAJ8Nt/X1L
10W/UzMY3PbVPhfdDJugjrybrr9cK/cw0CQL9T9eQB9HaGhgnUxQ4VybYqepp9p7
cPYbt1zkp2eWFCFwvLK1PmS55RM9cftt1NGWOjQ6pwAunzxJ8PNZPsUlqFQVeoPz
OjRR1ckCgYAldClGssgs+xrMuqfZy/AWW9qihp1vB/YkWd7TBqdeutHAiX0m85Ry
w/nX+l7ewGzeWR9ySoC/JJ4PqKdKdvxlS5lolkq2DLCM6A63rlBRCnxNc+EXo07a
0OkD1v9fT2QPkTrHlLs/U9a1tRjn5zbhywrwQ7txoBKSdpz6Fnq2Lw==
-----END RSA PRIVATE KEY-----
""",
    ]

    func testEachKeyTypeSignsAVerifiableHostbasedRequest() throws {
        let expected: [String: HostKeyAlgorithm] = ["ec": .ecdsaP256, "ed": .ed25519, "rsa": .rsaSHA512,
                                                     "openssh-ed25519": .ed25519]
        for (name, pem) in Self.pems {
            let key = try HostbasedKey(pem: Array(pem.utf8))
            XCTAssertEqual(key.algorithm, expected[name], name)
            let sessionID = (0..<32).map { UInt8($0) }
            let (request, signed) = try UserAuthMessages.hostbasedRequest(user: "alice", key: key, clientHost: "proxy.",
                                                                          clientUser: "alice", sessionID: sessionID)
            var r = SSHReader(request)
            XCTAssertEqual(try r.byte(), 50)
            XCTAssertEqual(try r.text(), "alice")
            XCTAssertEqual(try r.text(), "ssh-connection")
            XCTAssertEqual(try r.text(), "hostbased")
            XCTAssertEqual(try r.text(), key.algorithm.name)
            XCTAssertEqual(try r.string(), key.publicBlob)
            XCTAssertEqual(try r.text(), "proxy.")
            XCTAssertEqual(try r.text(), "alice")
            let signature = try r.string()
            XCTAssertTrue(r.isAtEnd)
            let verifier = try ServerHostKey(blob: key.publicBlob)
            XCTAssertNoThrow(try verifier.verify(signatureBlob: signature, over: signed, algorithm: key.algorithm), name)
            // the signature covers the session id
            var other = signed
            other[5] ^= 1
            XCTAssertThrowsError(try verifier.verify(signatureBlob: signature, over: other, algorithm: key.algorithm), name)
        }
    }

    func testUnreadableKeysAreRefusedWithAReason() throws {
        XCTAssertThrowsError(try HostbasedKey(pem: Array("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n".utf8)))
        // every truncation of an OpenSSH key file is refused, never read past its end
        let body = try HostbasedKey.pemBody(Self.pems["openssh-ed25519"]!)
        for cut in stride(from: 0, to: body.count, by: 7) {
            XCTAssertThrowsError(try OpenSSHKeyFile.ed25519Key(Array(body[..<cut])), "cut at \(cut)")
        }
        XCTAssertThrowsError(try HostbasedKey(pem: Array("not a key".utf8)))
        XCTAssertThrowsError(try HostbasedKey(pem: Array("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n".utf8)))
        XCTAssertThrowsError(try HostbasedKey(pem: Array("-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n".utf8)))
        var pem = Array(Self.pems["ec"]!.utf8)
        pem[60] = UInt8(ascii: "A") == pem[60] ? UInt8(ascii: "B") : UInt8(ascii: "A")
        _ = try? HostbasedKey(pem: pem)   // a flipped byte: refused or another valid key, never a crash
    }
}
