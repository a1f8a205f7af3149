@testable import ProxySSH
import XCTest

/// Upstream's table of known server versions (interop.c `known_versions`)
/// and what the transport and the hostbased login change for them.
final class KnownServerVersionTests: XCTestCase {
    private func features(_ software: String) -> ServerFeatures { KnownServerVersion.lookup(software: software).features }

    /// Every alternative of every entry, with what upstream's first-match rule gives it.
    func testEveryPatternOfTheTable() {
        let noRekey = ServerFeatures.standard.subtracting(.rekeying)
        let expected: [(String, ServerFeatures)] = [
            ("OpenSSH-2.0", ServerFeatures.standard.subtracting([.userauthBanner, .rekeying, .newGroupExchangeRequest])),
            ("OpenSSH-2.1.1", ServerFeatures.standard.subtracting([.userauthBanner, .rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.1.1", ServerFeatures.standard.subtracting([.userauthBanner, .rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.2.0p1", ServerFeatures.standard.subtracting([.userauthBanner, .rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.3.0", ServerFeatures.standard.subtracting([.userauthBanner, .rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.3.1", ServerFeatures.standard.subtracting([.rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.5.0p1", ServerFeatures.standard.subtracting([.rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.5.1p1", ServerFeatures.standard.subtracting([.rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.5.0", ServerFeatures.standard.subtracting([.rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.5.1", ServerFeatures.standard.subtracting([.rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.5.2p2", ServerFeatures.standard.subtracting([.rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.5.3", ServerFeatures.standard.subtracting([.rekeying, .newGroupExchangeRequest])),
            ("OpenSSH_2.9p2", .standard), ("OpenSSH_9.2p1", .standard), ("OpenSSH_2.4", .standard),
            ("J2SSH_Maverick", noRekey), ("Foo-J2SSH_Maverick_1.2", noRekey),
            ("MindTerm_4.1", .standard),
            ("Sun_SSH_1.0", noRekey), ("Sun_SSH_1.0.1", noRekey), ("Sun_SSH_1.1", .standard),
            ("2.1.0", ServerFeatures.standard.subtracting([.algorithmInDSASignature, .serviceInHostbasedSignature,
                                                          .fullMACKeyLength])),
        ] + (13...19).map { ("2.0.\($0) (SSH Secure Shell)", ServerFeatures.standard.subtracting(
                [.algorithmInDSASignature, .serviceInHostbasedSignature, .serviceInPublicKeySignature, .fullMACKeyLength])) }
          + ["2.0.11", "2.0.12"].map { ($0, ServerFeatures.standard.subtracting(
                [.algorithmInDSASignature, .serviceInPublicKeySignature, .publicKeyAlgorithm, .fullMACKeyLength])) }
          + ["2.0.10", "2.0.20", "2.0."].map { ($0, ServerFeatures.standard.subtracting(
                [.algorithmInDSASignature, .serviceInPublicKeySignature, .publicKeyAlgorithm, .cipherKeysUseK,
                 .fullMACKeyLength])) }
          + ["2.2.0", "2.3.0"].map { ($0, ServerFeatures.standard.subtracting(.fullMACKeyLength)) }
          + ["1.2.18", "1.2.19", "1.2.20", "1.2.21", "1.2.22", "1.3.2", "3.2.9.1"].map {
                ($0, ServerFeatures.standard.subtracting(.ignoreMessage)) }
          + ["PuTTY_Release_0.78", "xPUTTYx", "WinSCP_6.1"].map {
                ($0, ServerFeatures.standard.subtracting(.noDataWhileRekeying)) }
        for (software, features) in expected {
            XCTAssertEqual(self.features(software), features, software)
            XCTAssertEqual(KnownServerVersion.lookup(software: software).matched == nil, software == "Sun_SSH_1.1", software)
        }
        // Every alternative of the table is reached by some sample above.
        let hit = Set(expected.compactMap { KnownServerVersion.lookup(software: $0.0).matched?.regex })
        for entry in KnownServerVersion.table {
            for pattern in entry.patterns where pattern != .prefix("2.1 ") {
                XCTAssertTrue(hit.contains(pattern.regex), pattern.regex)
            }
        }
    }

    func testTheMatchedAlternativeIsUpstreamsRegexText() {
        XCTAssertEqual(KnownServerVersion.lookup(software: "Sun_SSH_1.0").matched?.regex, "^Sun_SSH_1\\.0.*")
        XCTAssertEqual(KnownServerVersion.lookup(software: "a J2SSH_Maverick").matched?.regex, ".*J2SSH_Maverick.*")
        XCTAssertEqual(KnownServerVersion.lookup(identification: "SSH-2.0-OpenSSH_2.5.2p2 comment").matched?.regex,
                       "^OpenSSH_2\\.5\\.2.*")
    }

    func testIdentificationLines() {
        XCTAssertEqual(KnownServerVersion.lookup(identification: "SSH-2.0-Sun_SSH_1.0").features,
                       ServerFeatures.standard.subtracting(.rekeying))
        XCTAssertEqual(KnownServerVersion.lookup(identification: "SSH-1.99-Sun_SSH_1.0.1 x").features,
                       ServerFeatures.standard.subtracting(.rekeying))
        // The comments are not the version: "OpenSSH_2.1" there changes nothing.
        XCTAssertNil(KnownServerVersion.lookup(identification: "SSH-2.0-foo OpenSSH_2.1 J2SSH_Maverick").matched)
        // "^2\.1 .*" can never match once the comments are cut off.
        XCTAssertNil(KnownServerVersion.lookup(identification: "SSH-2.0-2.1 x").matched)
    }

    func testHostileAndUnknownVersionsGetTheStandardFeatures() {
        let hostile = ["", "SSH-2.0-", "SSH-1.5-Sun_SSH_1.0", "ssh-2.0-Sun_SSH_1.0", "sun_ssh_1.0", "Sun_SSH_1",
                       "OPENSSH_2.1", " OpenSSH_2.1", "\u{0}Sun_SSH_1.0", "Sun_SSH_1\u{0}.0", "Pu\u{301}TTY",
                       "PuTT", "2.0", "2", ".*J2SSH_Maverick", String(repeating: "J2SSH_Maveric", count: 20_000),
                       String(repeating: "\u{1F600}", count: 5000), "SSH-2.0-\r\nSSH-2.0-Sun_SSH_1.0"]
        for v in hostile {
            let software = KnownServerVersion.lookup(software: v)
            let line = KnownServerVersion.lookup(identification: v)
            if v == ".*J2SSH_Maverick" {  // a substring match, as regexec finds it
                XCTAssertEqual(software.features, ServerFeatures.standard.subtracting(.rekeying))
                continue
            }
            XCTAssertEqual(software.features, .standard, v.debugDescription)
            XCTAssertNil(software.matched, v.debugDescription)
            XCTAssertEqual(line.features, .standard, v.debugDescription)
        }
        // A long version that does end in a known name is still found.
        XCTAssertEqual(features(String(repeating: "x", count: 100_000) + "WinSCP"),
                       ServerFeatures.standard.subtracting(.noDataWhileRekeying))
    }

    func testMissingFeaturesAreNamedForTheLog() {
        XCTAssertEqual(ServerFeatures.standard.missingFromStandard, "")
        XCTAssertEqual(features("Sun_SSH_1.0").missingFromStandard, "no rekeying")
        XCTAssertEqual(features("OpenSSH_2.2.0").missingFromStandard,
                       "no rekeying, no userauth banner, no RFC 4419 group exchange request")
    }

    // MARK: the transport

    private func connected(serverVersion: String, rekeyAfterBytes: Int = 1 << 30,
                           configure: (inout SSHClientTransport.Configuration) -> Void = { _ in },
                           server: InMemorySSHServer = InMemorySSHServer()) throws -> (SSHClientTransport, InMemorySSHServer) {
        var config = SSHClientTransport.Configuration()
        config.rekeyAfterBytes = rekeyAfterBytes
        config.rekeyAfterSeconds = 60
        configure(&config)
        server.version = serverVersion
        let client = SSHClientTransport(configuration: config)
        let events = try pump(client, server, first: client.start() + client.feed(try server.start()))
        XCTAssertFalse(events.contains { if case .disconnect = $0 { return true } else { return false } }, "\(events)")
        XCTAssertEqual(client.completedExchanges, 1)
        return (client, server)
    }

    func testNoRekeyWeWouldStartTowardAServerWithoutRekeying() throws {
        for (version, rekeys) in [("SSH-2.0-Sun_SSH_1.0", false), ("SSH-2.0-J2SSH_Maverick_1.4", false),
                                  ("SSH-2.0-OpenSSH_2.5.2p2", false), ("SSH-2.0-OpenSSH_9.2p1", true),
                                  ("SSH-2.0-Sun_SSH_1.1", true)] {
            let (client, server) = try connected(serverVersion: version, rekeyAfterBytes: 4096)
            XCTAssertEqual(client.serverFeatures.contains(.rekeying), rekeys, version)
            for _ in 0..<4 { _ = try pump(client, server, first: client.send([94] + [UInt8](repeating: 7, count: 2000))) }
            _ = client.rekeyIfDue(now: 0)
            _ = try pump(client, server, first: client.rekeyIfDue(now: 1000))
            XCTAssertEqual(server.received.count, 4, version)
            XCTAssertEqual(client.completedExchanges > 1, rekeys, version)
            // The server's own rekey is answered either way.
            let before = client.completedExchanges
            _ = try pump(client, server, first: client.feed(try server.beginKex()))
            XCTAssertEqual(client.completedExchanges, before + 1, version)
        }
    }

    func testOldGroupExchangeRequestForOpenSSH2() throws {
        for (version, old) in [("SSH-2.0-OpenSSH_2.5.2p2", true), ("SSH-2.0-OpenSSH_2.3.0", true),
                               ("SSH-2.0-OpenSSH_2.9", false)] {
            let server = InMemorySSHServer()
            server.algorithms.kex = [.dhGroupExchangeSHA256]
            let (client, _) = try connected(serverVersion: version, configure: {
                $0.algorithms.kex = [.dhGroupExchangeSHA256]
            }, server: server)
            XCTAssertEqual(server.oldGroupExchangeRequests, old ? 1 : 0, version)
            _ = try pump(client, server, first: client.send([94, 1]))
            XCTAssertEqual(server.received, [[94, 1]], version)
        }
    }

    /// SSH Communications 2.0.x derive keys without K and use 16-byte HMAC
    /// keys: both sides agree only when we do the same.
    func testOldKeyDerivationOfSSHCommunications2() throws {
        for version in ["SSH-2.0-2.0.10", "SSH-2.0-2.2.0", "SSH-2.0-2.0.13"] {
            let server = InMemorySSHServer()
            server.keyFeatures = KnownServerVersion.lookup(identification: version).features
            server.algorithms.ciphers = [.aes128CTR]
            server.algorithms.macs = [.hmacSHA1]
            let (client, _) = try connected(serverVersion: version, configure: {
                $0.algorithms.ciphers = [.aes128CTR]
                $0.algorithms.macs = [.hmacSHA1]
            }, server: server)
            _ = try pump(client, server, first: client.send([94, 2]))
            XCTAssertEqual(server.received, [[94, 2]], version)
        }
        // A server deriving the standard way cannot read what the quirk gives.
        let server = InMemorySSHServer()
        server.algorithms.ciphers = [.aes128CTR]
        server.algorithms.macs = [.hmacSHA1]
        server.version = "SSH-2.0-2.0.10"
        var config = SSHClientTransport.Configuration()
        config.algorithms.ciphers = [.aes128CTR]
        config.algorithms.macs = [.hmacSHA1]
        let client = SSHClientTransport(configuration: config)
        _ = try pump(client, server, first: client.start() + client.feed(try server.start()))
        _ = try? pump(client, server, first: client.send([94, 2]))
        XCTAssertTrue(server.received.isEmpty, "the standard server read \(server.received)")
    }

    func testKeyDerivationWithoutK() {
        let h = [UInt8](repeating: 1, count: 32), id = [UInt8](repeating: 2, count: 32)
        let quirky = KeyDerivation(hash: .sha256, sharedSecret: [9, 9], exchangeHash: h, sessionID: id,
                                   serverFeatures: ServerFeatures.standard.subtracting(.cipherKeysUseK))
        XCTAssertEqual(quirky.key("A", length: 32), HashFunction.sha256.hash(h, [UInt8(ascii: "A")], id))
        let standard = KeyDerivation(hash: .sha256, sharedSecret: [9, 9], exchangeHash: h, sessionID: id)
        XCTAssertEqual(standard.key("A", length: 32), HashFunction.sha256.hash([0, 0, 0, 2, 9, 9], h, [UInt8(ascii: "A")], id))
    }

    // MARK: the hostbased login and host key signatures

    func testHostbasedSignatureCoversSSHUserauthForOldServers() {
        var request = HostbasedRequest(user: "u", clientHost: "proxy", clientUser: "u")
        let standard = request.signedData(sessionID: [1], algorithm: .ed25519, publicKeyBlob: [2])
        request.signedService = "ssh-userauth"
        let old = request.signedData(sessionID: [1], algorithm: .ed25519, publicKeyBlob: [2])
        func services(_ data: [UInt8]) throws -> String {
            var r = SSHReader(data)
            _ = try r.string("id")
            _ = try r.byte()
            _ = try r.text("user")
            return try r.text("service")
        }
        XCTAssertEqual(try services(standard), "ssh-connection")
        XCTAssertEqual(try services(old), "ssh-userauth")
        XCTAssertEqual(request.service, "ssh-connection", "the request itself still asks for ssh-connection")
    }

    private static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    /// A DSA key and signature made with Python's cryptography (SHA-1, r || s).
    private static let dsaBlob = hex("000000077373682d6473730000008100c3709315196cc2a59814f3b3165f9e67966551bf64a31f19431e421f1c0ca78a6664471788c39599100ccf7d273b043f81474fab840e9fe6c57c68d46c462bec6e1d286a8b9b848d87bff9b6bdeb11487bfc0111a262b968f9b5f33a7747858c758b21a186ae8e876667e1c103ebe787d14406c807a579662bee542ca374953f0000001500df70ef8f2b8d11caca0584adc9d48f82287b823d0000008026271093f71a61c9d156669267860b170aed62b656d85887404189730587f6cb88d44ba1dd1ded3f022a5e9651bd7bde7313d0ebf79b1ca3fcbff92c7ff9e7fa36855d977a72e672b52b731b2255ea897eb1b15f44660c1dfa754b08c54d95c4ddf2e4c2a6dcfa102eaabce50861f0d98f76c6cc5093d18e820db44107465ef6000000802f282b453f2152565304549998b8b22b9fbf090f5d3c10c01e6038de44d6cc9ce53d0567b3da4e0394ab940f6ea74fc1e6d6536e67c2f0cbe13d2855de6ffbe8e02c4a7f411d569c9109bba844be9b21b4e8ded182e3f094455e3e8bf1f7d32be3df1c7dc81b55ba99b0ba6b12f133d81ebb502844a814c3f0bbcb5f19585b33")
    private static let dsaSignature = hex("7b5856d12fbdf477a6a7272b27b10102ff3dec22cfb55f5339957d0339645ca3f262c065766644cf")
    private static let signed = Array("exchange hash of an old server".utf8)

    func testBareDSASignaturesOfOldServers() throws {
        let key = try ServerHostKey(blob: Self.dsaBlob)
        var named = SSHWriter()
        named.string("ssh-dss")
        named.string(Self.dsaSignature)
        XCTAssertNoThrow(try key.verify(signatureBlob: named.bytes, over: Self.signed, algorithm: .dss))
        XCTAssertNoThrow(try key.verify(signatureBlob: Self.dsaSignature, over: Self.signed, algorithm: .dss,
                                        dssSignatureNamesAlgorithm: false))
        // Each form only where it belongs, and a changed bit still fails.
        XCTAssertThrowsError(try key.verify(signatureBlob: Self.dsaSignature, over: Self.signed, algorithm: .dss))
        XCTAssertThrowsError(try key.verify(signatureBlob: named.bytes, over: Self.signed, algorithm: .dss,
                                            dssSignatureNamesAlgorithm: false))
        var bad = Self.dsaSignature
        bad[39] ^= 1
        XCTAssertThrowsError(try key.verify(signatureBlob: bad, over: Self.signed, algorithm: .dss,
                                            dssSignatureNamesAlgorithm: false))
        XCTAssertThrowsError(try key.verify(signatureBlob: [], over: Self.signed, algorithm: .dss,
                                            dssSignatureNamesAlgorithm: false))
    }
}
