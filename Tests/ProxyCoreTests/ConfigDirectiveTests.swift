import XCTest
@testable import ProxyCore

/// Every directive accepts its documented values and refuses bad ones.
final class ConfigDirectiveTests: XCTestCase {
    @discardableResult
    func valid(_ name: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) -> ValidatedDirective? {
        do {
            // Classification is tested against an empty feature table, so
            // these tests do not change as features land.
            return try DirectiveRegistry.validate(name: name, args: args, implemented: [])
        } catch {
            XCTFail("\(name) \(args) refused: \(error)", file: file, line: line)
            return nil
        }
    }

    func canonical(_ name: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) -> [String] {
        valid(name, args, file: file, line: line)?.args ?? ["<refused>"]
    }

    /// The refusal message, or "<accepted>".
    func refusal(_ name: String, _ args: [String]) -> String {
        do {
            _ = try DirectiveRegistry.validate(name: name, args: args)
            return "<accepted>"
        } catch let error as DirectiveError {
            return error.description
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    func assertRefused(_ name: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(refusal(name, args), "<accepted>", "\(name) \(args)", file: file, line: line)
    }

    // MARK: Registry

    func testAllDirectivesRegistered() {
        XCTAssertEqual(DirectiveRegistry.directiveNames(of: .proxy).count, 41)
        XCTAssertEqual(DirectiveRegistry.directiveNames(of: .proxyProtocol), [
            "ProxyProtocolEngine", "ProxyProtocolIgnore", "ProxyProtocolOptions", "ProxyProtocolTimeout",
            "ProxyProtocolVersion",
        ])
        XCTAssertEqual(Set(DirectiveRegistry.directiveNames).count, 46)
    }

    func testUnknownDirectiveAndCaseInsensitiveNames() {
        XCTAssertEqual(refusal("ProxyFoo", ["x"]), "unknown directive 'ProxyFoo'")
        XCTAssertEqual(valid("proxyengine", ["on"])?.name, "ProxyEngine")
        XCTAssertEqual(valid("PROXYPROTOCOLVERSION", ["haproxyv2"])?.name, "ProxyProtocolVersion")
    }

    func testContextsAndMulti() {
        XCTAssertEqual(DirectiveRegistry.contexts(of: "ProxyEngine"), .all)
        XCTAssertEqual(DirectiveRegistry.contexts(of: "ProxyTables"), .serverConfig)
        XCTAssertEqual(DirectiveRegistry.contexts(of: "ProxyDatastore"), .serverConfig)
        XCTAssertEqual(DirectiveRegistry.contexts(of: "ProxySFTPPassPhraseProvider"), .serverConfig)
        XCTAssertEqual(DirectiveRegistry.contexts(of: "ProxyForwardEnabled"), .classSection)
        XCTAssertNil(DirectiveRegistry.contexts(of: "Nope"))
        for name in ["ProxyOptions", "ProxyReverseServers", "ProxySFTPHostKey", "ProxyTLSPreSharedKey",
                     "ProxyTLSOptions", "ProxySFTPOptions", "ProxySFTPServerMatch", "ProxyTLSCipherSuite"] {
            XCTAssertEqual(DirectiveRegistry.isMulti(name), true, name)
        }
        for name in ["ProxyEngine", "ProxyRole", "ProxyTables", "ProxyRetryCount", "ProxyProtocolOptions"] {
            XCTAssertEqual(DirectiveRegistry.isMulti(name), false, name)
        }
        XCTAssertEqual(DirectiveRegistry.module(of: "ProxyProtocolEngine"), .proxyProtocol)
        XCTAssertEqual(valid("ProxyRole", ["reverse"])?.module, .proxy)
    }

    func testWrongArgumentCounts() {
        XCTAssertEqual(refusal("ProxyEngine", ["on", "off", "x"]), "wrong number of parameters: expected 1, got 3")
        XCTAssertEqual(refusal("ProxyEngine", []), "wrong number of parameters: expected 1, got 0")
        XCTAssertEqual(refusal("ProxyOptions", []), "wrong number of parameters: expected at least 1, got 0")
        XCTAssertEqual(refusal("ProxyDatastore", ["Redis", "a", "b"]), "wrong number of parameters: expected 1 or 2, got 3")
        XCTAssertEqual(refusal("ProxySFTPServerAlive", ["3"]), "wrong number of parameters: expected 2, got 1")
        for name in DirectiveRegistry.directiveNames {
            assertRefused(name, [])
        }
    }

    // MARK: General directives

    func testBooleans() {
        for (word, value) in [("on", "on"), ("OFF", "off"), ("yes", "on"), ("No", "off"), ("true", "on"),
                              ("FALSE", "off"), ("1", "on"), ("0", "off")] {
            XCTAssertEqual(canonical("ProxyEngine", [word]), [value], word)
        }
        XCTAssertEqual(refusal("ProxyEngine", ["maybe"]),
                       "expected Boolean parameter (on/off, yes/no, true/false, 1/0), got 'maybe'")
        for bad in ["", "onn", "2", "o", "enabled"] { assertRefused("ProxyEngine", [bad]) }
        for name in ["ProxyForwardEnabled", "ProxySFTPVerifyServer", "ProxyTLSVerifyServer", "ProxyProtocolEngine",
                     "ProxyProtocolIgnore"] {
            XCTAssertEqual(canonical(name, ["Yes"]), ["on"], name)
            assertRefused(name, ["sometimes"])
        }
    }

    func testDataTransferPolicy() {
        for (word, value) in [("client", "client"), ("Active", "active"), ("PASSIVE", "passive"), ("pasv", "PASV"),
                              ("EPSV", "EPSV"), ("port", "PORT"), ("Eprt", "EPRT")] {
            XCTAssertEqual(canonical("ProxyDataTransferPolicy", [word]), [value], word)
        }
        XCTAssertEqual(refusal("ProxyDataTransferPolicy", ["RETR"]),
                       "unsupported DataTransferPolicy 'RETR' (expected client, active, passive, PASV, EPSV, PORT, EPRT)")
        assertRefused("ProxyDataTransferPolicy", ["clients"])
    }

    func testDatastore() {
        XCTAssertEqual(canonical("ProxyDatastore", ["sqlite"]), ["SQLite"])
        let redis = valid("ProxyDatastore", ["redis", "1.2.3.4."])
        XCTAssertEqual(redis?.args, ["Redis", "1.2.3.4."])
        XCTAssertEqual(redis?.activity, .parsedNotYetActive(feature: "the Redis datastore"))
        XCTAssertEqual(refusal("ProxyDatastore", ["Redis"]), "missing required Redis key prefix")
        XCTAssertEqual(refusal("ProxyDatastore", ["mysql"]), "unsupported ProxyDatastore 'mysql' (expected SQLite, Redis)")
        assertRefused("ProxyDatastore", ["SQLite", "extra"])
    }

    func testDirectoryListPolicy() {
        XCTAssertEqual(valid("ProxyDirectoryListPolicy", ["client"])?.activity, .active)
        let list = valid("ProxyDirectoryListPolicy", ["list", "useslink"])
        XCTAssertEqual(list?.args, ["LIST", "UseSlink"])
        XCTAssertEqual(list?.activity, .parsedNotYetActive(feature: "ProxyDirectoryListPolicy LIST"))
        XCTAssertEqual(try DirectiveRegistry.validate(name: "ProxyDirectoryListPolicy", args: ["LIST", "UseSlink"]).activity,
                       .active)
        XCTAssertEqual(refusal("ProxyDirectoryListPolicy", ["NLST"]),
                       "unsupported DirectoryListPolicy 'NLST' (expected client, LIST)")
        XCTAssertEqual(refusal("ProxyDirectoryListPolicy", ["LIST", "Fast"]),
                       "unknown DirectoryListPolicy option 'Fast' (expected UseSlink)")
    }

    func testForwardDirectives() {
        for method in ["proxyuser,user@host", "user@host", "proxyuser@host,user", "user@sni", "USER@HOST"] {
            let directive = valid("ProxyForwardMethod", [method])
            XCTAssertEqual(directive?.activity, .parsedNotYetActive(feature: "forward proxying"))
        }
        XCTAssertEqual(canonical("ProxyForwardMethod", ["User@Sni"]), ["user@sni"])
        // The methods with a proxy login need a feature of their own.
        let everything = Set(ProxyFeature.allCases)
        for method in ["proxyuser,user@host", "proxyuser@host,user"] {
            XCTAssertEqual(try DirectiveRegistry.validate(name: "ProxyForwardMethod", args: [method],
                                                          implemented: everything.subtracting([.forwardProxyLogin])).activity,
                           .parsedNotYetActive(feature: ProxyFeature.forwardProxyLogin.rawValue))
        }
        XCTAssertEqual(try DirectiveRegistry.validate(name: "ProxyForwardMethod", args: ["user@sni"],
                                                      implemented: everything.subtracting([.forwardProxyLogin])).activity,
                       .active)
        assertRefused("ProxyForwardMethod", ["user@proxy"])

        XCTAssertEqual(canonical("ProxyForwardTo", ["^ftp.example.com:21$"]), ["^ftp.example.com:21$"])
        XCTAssertEqual(canonical("ProxyForwardTo", ["!^bad\\.com:21$", "[nocase]"]), ["!^bad\\.com:21$", "[NC]"])
        XCTAssertTrue(refusal("ProxyForwardTo", ["^(unclosed"]).hasPrefix("'^(unclosed' failed regex compilation: "))
        XCTAssertEqual(refusal("ProxyForwardTo", ["^x$", "NC"]), "badly formatted flags parameter 'NC' (expected [NC])")
        XCTAssertEqual(refusal("ProxyForwardTo", ["^x$", "[XY]"]), "unknown filter flags '[XY]' (expected [NC] or [nocase])")
        assertRefused("ProxyForwardTo", ["!"])
        assertRefused("ProxyForwardTo", ["a", "[NC]", "extra"])
        XCTAssertEqual(canonical("ProxyForwardEnabled", ["on"]), ["on"])
    }

    func testLog() {
        XCTAssertEqual(canonical("ProxyLog", ["/var/log/proxy.log"]), ["/var/log/proxy.log"])
        XCTAssertEqual(canonical("ProxyLog", ["NONE"]), ["none"])
        XCTAssertEqual(refusal("ProxyLog", ["proxy.log"]), "ProxyLog path must be an absolute path, got 'proxy.log'")
    }

    func testOptions() {
        let all = ["AllowForeignAddress", "IgnoreForeignAddress", "IgnoreConfigPerms", "ShowFeatures",
                   "UseDirectDataTransfers", "UseProxyProtocolV1", "UseProxyProtocolV2", "UseProxyProtocolV2TLVs",
                   "UseReverseProxyAuth"]
        XCTAssertEqual(canonical("ProxyOptions", all), all)
        XCTAssertEqual(canonical("ProxyOptions", ["UseProxyProtocol", "UseProxyProtocolV1"]), ["UseProxyProtocolV1"])
        XCTAssertEqual(valid("ProxyOptions", ["ShowFeatures", "IgnoreConfigPerms"])?.activity, .active)
        XCTAssertEqual(valid("ProxyOptions", ["ShowFeatures", "UseReverseProxyAuth"])?.activity,
                       .parsedNotYetActive(feature: "ProxyOptions UseReverseProxyAuth"))
        XCTAssertEqual(valid("ProxyOptions", ["UseProxyProtocolV2"])?.activity,
                       .parsedNotYetActive(feature: "sending the PROXY protocol to backends"))
        XCTAssertTrue(refusal("ProxyOptions", ["Foo"]).hasPrefix("unknown ProxyOption 'Foo' (expected AllowForeignAddress, "))
        XCTAssertEqual(refusal("ProxyOptions", ["showfeatures"]),
                       "unknown ProxyOption 'showfeatures' (did you mean 'ShowFeatures'? options are case-sensitive)")
    }

    func testRetryCount() {
        XCTAssertEqual(canonical("ProxyRetryCount", ["1"]), ["1"])
        XCTAssertEqual(canonical("ProxyRetryCount", ["007"]), ["7"])
        XCTAssertEqual(refusal("ProxyRetryCount", ["0"]), "retry count must be 1 or more, got '0'")
        XCTAssertEqual(refusal("ProxyRetryCount", ["99999999999999999999"]),
                       "retry count '99999999999999999999' is too large (at most 1000000)")
        for bad in ["-1", "abc", "5x", "", "1.5", "99999999999999999999", "+3"] {
            assertRefused("ProxyRetryCount", [bad])
        }
    }

    func testReverseConnectPolicy() {
        let expectations: [(String, String, DirectiveActivity)] = [
            ("random", "Random", .active), ("ROUNDROBIN", "RoundRobin", .active), ("shuffle", "Shuffle", .active),
            ("leastconns", "LeastConns", .parsedNotYetActive(feature: "the LeastConns/LeastResponseTime connect policies")),
            ("LeastResponseTime", "LeastResponseTime",
             .parsedNotYetActive(feature: "the LeastConns/LeastResponseTime connect policies")),
            ("PerUser", "PerUser", .active),
            ("pergroup", "PerGroup",
             .parsedNotYetActive(feature: "the PerGroup connect policy and %g backend files (they need UseReverseProxyAuth)")),
            ("PERHOST", "PerHost", .active),
        ]
        for (word, value, activity) in expectations {
            let directive = valid("ProxyReverseConnectPolicy", [word])
            XCTAssertEqual(directive?.args, [value])
            XCTAssertEqual(directive?.activity, activity, word)
        }
        XCTAssertTrue(refusal("ProxyReverseConnectPolicy", ["Fastest"]).hasPrefix("unsupported connect policy 'Fastest'"))
    }

    func testReverseServersURLs() {
        let directive = valid("ProxyReverseServers", ["ftp://ftp1.example.com:2121", "ftp://[::ffff:6.7.8.9]:2121"])
        XCTAssertEqual(directive?.args, ["ftp://ftp1.example.com:2121", "ftp://[::ffff:6.7.8.9]:2121"])
        XCTAssertEqual(directive?.fileChecks, [])
        XCTAssertEqual(directive?.activity, .active)
        XCTAssertEqual(directive?.isMulti, true)
        XCTAssertEqual(valid("ProxyReverseServers", ["ftps://h"])?.activity,
                       .parsedNotYetActive(feature: "TLS to backend servers"))
        XCTAssertEqual(valid("ProxyReverseServers", ["sftp://h"])?.activity,
                       .parsedNotYetActive(feature: "SFTP/SCP proxying"))
        XCTAssertEqual(valid("ProxyReverseServers", ["ftp+srv://_ftp._tcp.example.org"])?.activity,
                       .parsedNotYetActive(feature: "DNS SRV/TXT backend discovery"))
        XCTAssertEqual(refusal("ProxyReverseServers", ["ftp://ok", "ftpx://a"]),
                       "'ftpx://a' is not a supported URL: unknown scheme 'ftpx' (expected ftp, ftps, sftp, ftp+srv, ftp+txt, ftps+srv, ftps+txt)")
        XCTAssertFalse(refusal("ProxyReverseServers", ["ftp://u:hunter2@h:0"]).contains("hunter2"))
    }

    func testReverseServersFileAndSQL() {
        let staticFile = valid("ProxyReverseServers", ["file:/etc/proxy/backends.json"])
        XCTAssertEqual(staticFile?.args, ["file:/etc/proxy/backends.json"])
        XCTAssertEqual(staticFile?.fileChecks, [.loadBackendList(path: "/etc/proxy/backends.json")])
        XCTAssertEqual(staticFile?.activity, .active)

        let perUser = valid("ProxyReverseServers", ["file:/var/ftp/proxy/backends/%U.json"])
        XCTAssertEqual(perUser?.fileChecks, [])
        XCTAssertEqual(perUser?.activity, .active)

        let sql = valid("ProxyReverseServers", ["sql:/get-user-servers"])
        XCTAssertEqual(sql?.args, ["sql:/get-user-servers"])
        XCTAssertEqual(sql?.activity, .parsedNotYetActive(feature: "sql:/ backend lookups"))

        XCTAssertEqual(refusal("ProxyReverseServers", ["file:backends.json"]),
                       "ProxyReverseServers file must be an absolute path, got 'backends.json'")
        assertRefused("ProxyReverseServers", ["sql:/"])
        assertRefused("ProxyReverseServers", ["sql:get"])
        assertRefused("ProxyReverseServers", ["sql:/a b"])
        XCTAssertTrue(refusal("ProxyReverseServers", ["ftp://a", "file:/x.json"]).contains("must be the only parameter"))
    }

    func testRole() {
        XCTAssertEqual(valid("ProxyRole", ["Reverse"])?.args, ["reverse"])
        XCTAssertEqual(valid("ProxyRole", ["reverse"])?.activity, .active)
        XCTAssertEqual(valid("ProxyRole", ["FORWARD"])?.activity, .parsedNotYetActive(feature: "forward proxying"))
        XCTAssertEqual(refusal("ProxyRole", ["sideways"]), "unknown proxy role 'sideways' (expected forward, reverse)")
    }

    func testSourceAddress() {
        XCTAssertEqual(canonical("ProxySourceAddress", ["10.0.0.1"]), ["10.0.0.1"])
        XCTAssertEqual(canonical("ProxySourceAddress", ["2001:DB8::1"]), ["2001:db8::1"])
        XCTAssertEqual(canonical("ProxySourceAddress", ["eth0"]), ["eth0"])
        XCTAssertEqual(canonical("ProxySourceAddress", ["lan.example.com"]), ["lan.example.com"])
        assertRefused("ProxySourceAddress", ["a b"])
        assertRefused("ProxySourceAddress", ["/dev/eth0"])
    }

    func testTablesAndTimeouts() {
        let tables = valid("ProxyTables", ["/var/ftp/proxy"])
        XCTAssertEqual(tables?.fileChecks, [.prepareTablesDirectory(path: "/var/ftp/proxy")])
        XCTAssertEqual(refusal("ProxyTables", ["var/proxy"]), "ProxyTables directory must be an absolute path, got 'var/proxy'")

        XCTAssertEqual(canonical("ProxyTimeoutConnect", ["1sec"]), ["1"])
        XCTAssertEqual(canonical("ProxyTimeoutConnect", ["2min"]), ["120"])
        XCTAssertEqual(canonical("ProxyTimeoutLinger", ["00:00:10"]), ["10"])
        XCTAssertEqual(canonical("ProxyTimeoutLinger", ["0"]), ["0"])
        XCTAssertTrue(refusal("ProxyTimeoutConnect", ["5 parsecs"]).hasPrefix("invalid duration '5 parsecs'"))
        assertRefused("ProxyTimeoutLinger", ["-3"])
    }

    // MARK: TLS directives

    func testTLSFileDirectives() {
        XCTAssertEqual(valid("ProxyTLSCACertificateFile", ["/etc/ftpd/cacerts.pem"])?.fileChecks,
                       [.fileMustExist(path: "/etc/ftpd/cacerts.pem")])
        XCTAssertEqual(valid("ProxyTLSCACertificatePath", ["/etc/ftpd/cacerts/"])?.fileChecks,
                       [.directoryMustExist(path: "/etc/ftpd/cacerts/")])
        XCTAssertEqual(valid("ProxyTLSCARevocationFile", ["/etc/ftpd/cacrls.pem"])?.fileChecks,
                       [.fileMustExist(path: "/etc/ftpd/cacrls.pem")])
        XCTAssertEqual(valid("ProxyTLSCARevocationPath", ["/etc/ftpd/cacrls/"])?.fileChecks,
                       [.directoryMustExist(path: "/etc/ftpd/cacrls/")])
        XCTAssertEqual(valid("ProxyTLSCertificateFile", ["/etc/ftpd/client-cert.pem"])?.fileChecks,
                       [.fileMustExist(path: "/etc/ftpd/client-cert.pem")])
        XCTAssertEqual(valid("ProxyTLSCertificateKeyFile", ["/etc/ftpd/client-key.pem"])?.fileChecks,
                       [.fileMustExist(path: "/etc/ftpd/client-key.pem")])
        XCTAssertEqual(valid("ProxyTLSCertificateKeyFile", ["pkcs11:token=x"])?.fileChecks, [])
        XCTAssertEqual(valid("ProxyTLSCertificateFile", ["/x.pem"])?.activity,
                       .parsedNotYetActive(feature: "TLS to backend servers"))
        for name in ["ProxyTLSCACertificateFile", "ProxyTLSCACertificatePath", "ProxyTLSCARevocationFile",
                     "ProxyTLSCARevocationPath", "ProxyTLSCertificateFile", "ProxyTLSCertificateKeyFile"] {
            assertRefused(name, ["relative.pem"])
            assertRefused(name, ["/a.pem", "/b.pem"])
        }
    }

    func testTLSCipherSuite() {
        XCTAssertEqual(canonical("ProxyTLSCipherSuite", ["HIGH:!aNULL"]), ["HIGH:!aNULL"])
        XCTAssertEqual(canonical("ProxyTLSCipherSuite", ["tlsv1.3", "TLS_AES_256_GCM_SHA384"]),
                       ["TLSv1.3", "TLS_AES_256_GCM_SHA384"])
        XCTAssertEqual(canonical("ProxyTLSCipherSuite", ["TLSv1.2", "HIGH"]), ["TLSv1.2", "HIGH"])
        XCTAssertTrue(refusal("ProxyTLSCipherSuite", ["TLS_AES_256_GCM_SHA384"]).contains("requires protocol parameter"))
        XCTAssertTrue(refusal("ProxyTLSCipherSuite", ["SSLv3", "HIGH"]).hasPrefix("unknown/unsupported protocol specifier 'SSLv3'"))
    }

    func testTLSEngine() {
        XCTAssertEqual(valid("ProxyTLSEngine", ["off"])?.activity, .active)
        XCTAssertEqual(valid("ProxyTLSEngine", ["on"])?.activity, .parsedNotYetActive(feature: "TLS to backend servers"))
        for (word, value) in [("on", "on"), ("no", "off"), ("AUTO", "auto"), ("matchclient", "MatchClient")] {
            XCTAssertEqual(canonical("ProxyTLSEngine", [word]), [value], word)
        }
        XCTAssertEqual(refusal("ProxyTLSEngine", ["sometimes"]),
                       "unknown ProxyTLSEngine value 'sometimes' (expected on, off, auto, MatchClient)")
    }

    func testTLSOptionsAndPolicies() {
        XCTAssertEqual(canonical("ProxyTLSOptions", ["EnableDiags", "NoSessionCache", "NoSessionTickets", "AllowWeakSecurity"]),
                       ["EnableDiags", "NoSessionCache", "NoSessionTickets", "AllowWeakSecurity"])
        XCTAssertTrue(refusal("ProxyTLSOptions", ["enablediags"]).hasPrefix("unknown ProxyTLSOption 'enablediags'"))
        for (word, value) in [("CLIENT", "client"), ("required", "required"), ("Clear", "clear")] {
            XCTAssertEqual(canonical("ProxyTLSTransferProtectionPolicy", [word]), [value])
        }
        assertRefused("ProxyTLSTransferProtectionPolicy", ["private"])
        XCTAssertEqual(canonical("ProxyTLSTimeoutHandshake", ["1min"]), ["60"])
        XCTAssertEqual(canonical("ProxyTLSTimeoutHandshake", ["0"]), ["0"])
        assertRefused("ProxyTLSTimeoutHandshake", ["soon"])
    }

    func testTLSPreSharedKey() {
        XCTAssertEqual(canonical("ProxyTLSPreSharedKey", ["MyPSK", "hex:/path/to/psk.key"]), ["MyPSK", "hex:/path/to/psk.key"])
        XCTAssertTrue(refusal("ProxyTLSPreSharedKey", ["id", "base64:/k"]).hasPrefix("unsupported ProxyTLSPreSharedKey format"))
        assertRefused("ProxyTLSPreSharedKey", ["id", "hex:"])
        assertRefused("ProxyTLSPreSharedKey", ["id", "hex:relative.key"])
        assertRefused("ProxyTLSPreSharedKey", [String(repeating: "i", count: 257), "hex:/k"])
        assertRefused("ProxyTLSPreSharedKey", ["only-identity"])
    }

    func testTLSProtocol() {
        XCTAssertEqual(canonical("ProxyTLSProtocol", ["SSLv3", "TLSv1"]), ["SSLv3", "TLSv1"])
        XCTAssertEqual(canonical("ProxyTLSProtocol", ["ALL", "-SSLv3"]), ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"])
        XCTAssertEqual(canonical("ProxyTLSProtocol", ["all", "-SSLv3", "-TLSv1.0", "-TLSv1.1"]), ["TLSv1.2", "TLSv1.3"])
        XCTAssertEqual(canonical("ProxyTLSProtocol", ["SSLv23"]), ["SSLv3", "TLSv1"])
        XCTAssertEqual(canonical("ProxyTLSProtocol", ["tlsv1.3", "TLSv1.2"]), ["TLSv1.2", "TLSv1.3"])
        XCTAssertEqual(refusal("ProxyTLSProtocol", ["ALL", "SSLv3"]), "missing required +/- prefix: 'SSLv3'")
        XCTAssertTrue(refusal("ProxyTLSProtocol", ["TLSv9"]).hasPrefix("unknown protocol 'TLSv9'"))
        XCTAssertTrue(refusal("ProxyTLSProtocol", ["ALL", "-SSLv3", "-TLSv1", "-TLSv1.1", "-TLSv1.2", "-TLSv1.3"])
            .hasPrefix("no SSL/TLS protocols left enabled"))
    }

    // MARK: SFTP directives

    func testSFTPAlgorithms() {
        XCTAssertEqual(canonical("ProxySFTPCiphers", ["aes256-ctr", "aes128-ctr"]), ["aes256-ctr", "aes128-ctr"])
        XCTAssertEqual(refusal("ProxySFTPCiphers", ["rot13"]), "unsupported cipher algorithm 'rot13'")
        XCTAssertEqual(canonical("ProxySFTPDigests", ["hmac-sha2-256"]), ["hmac-sha2-256"])
        assertRefused("ProxySFTPDigests", ["HMAC-SHA2-256"])
        XCTAssertEqual(canonical("ProxySFTPKeyExchanges", ["curve25519-sha256", "diffie-hellman-group14-sha256"]),
                       ["curve25519-sha256", "diffie-hellman-group14-sha256"])
        assertRefused("ProxySFTPKeyExchanges", ["diffie-hellman-group2-sha1"])
        XCTAssertEqual(valid("ProxySFTPCiphers", ["aes128-ctr"])?.activity,
                       .parsedNotYetActive(feature: "SFTP/SCP proxying"))
    }

    /// Names of the spec's lists that the transport does not speak are refused
    /// at config time (never accepted and then silently not offered).
    func testSFTPAlgorithmsNotImplementedAreRefused() {
        XCTAssertEqual(refusal("ProxySFTPKeyExchanges", ["curve25519-sha256", "mlkem768x25519-sha256"]),
                       "key exchange algorithm 'mlkem768x25519-sha256' is not implemented yet by this module's SSH transport"
                           + " (implemented: diffie-hellman-group1-sha1 diffie-hellman-group14-sha1 diffie-hellman-group14-sha256"
                           + " diffie-hellman-group16-sha512 diffie-hellman-group18-sha512 diffie-hellman-group-exchange-sha256"
                           + " diffie-hellman-group-exchange-sha1 ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521"
                           + " curve25519-sha256 curve25519-sha256@libssh.org curve448-sha512 rsa1024-sha1)")
        for name in ["sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"] {
            XCTAssertTrue(refusal("ProxySFTPKeyExchanges", [name]).contains("not implemented yet"), name)
        }
        for name in SFTPAlgorithmSupport.keyExchanges {
            XCTAssertEqual(canonical("ProxySFTPKeyExchanges", [name]), [name])
        }
        for name in ["none", "3des-cbc", "blowfish-ctr", "arcfour256"] {
            XCTAssertEqual(canonical("ProxySFTPCiphers", [name]), [name])
        }
        XCTAssertEqual(refusal("ProxySFTPDigests", ["hmac-sha2-256", "hmac-sha2-256"]),
                       "digest algorithm 'hmac-sha2-256' is listed twice")
        // Hostile text is shown printable, not raw.
        XCTAssertEqual(refusal("ProxySFTPCiphers", ["aes\u{1b}[2J"]), "unsupported cipher algorithm 'aes\\x1B[2J'")
    }

    func testSFTPOtherDirectives() {
        XCTAssertEqual(canonical("ProxySFTPCompression", ["no"]), ["off"])
        XCTAssertEqual(canonical("ProxySFTPCompression", ["DELAYED"]), ["delayed"])
        XCTAssertEqual(canonical("ProxySFTPCompression", ["yes"]), ["on"])
        assertRefused("ProxySFTPCompression", ["zlib"])

        XCTAssertEqual(valid("ProxySFTPHostKey", ["/etc/ssh_host_rsa_key"])?.fileChecks,
                       [.privateKeyFile(path: "/etc/ssh_host_rsa_key")])
        XCTAssertEqual(valid("ProxySFTPHostKey", ["agent:/run/agent.sock"])?.fileChecks, [])
        assertRefused("ProxySFTPHostKey", ["agent:"])
        assertRefused("ProxySFTPHostKey", ["ssh_host_rsa_key"])

        XCTAssertEqual(canonical("ProxySFTPOptions", ["OldProtocolCompat", "AllowWeakDH"]), ["OldProtocolCompat", "AllowWeakDH"])
        XCTAssertTrue(refusal("ProxySFTPOptions", ["Turbo"]).hasPrefix("unknown ProxySFTPOption 'Turbo'"))

        XCTAssertEqual(valid("ProxySFTPPassPhraseProvider", ["/etc/ftpd/proxy/get-ssh-passphrase"])?.fileChecks,
                       [.regularFile(path: "/etc/ftpd/proxy/get-ssh-passphrase")])
        assertRefused("ProxySFTPPassPhraseProvider", ["get-pass"])

        XCTAssertEqual(canonical("ProxySFTPServerAlive", ["3", "15"]), ["3", "15"])
        XCTAssertEqual(canonical("ProxySFTPServerAlive", ["0", "0"]), ["0", "0"])
        XCTAssertEqual(refusal("ProxySFTPServerAlive", ["-1", "15"]), "max count '-1' must be a number, 0 or more")
        assertRefused("ProxySFTPServerAlive", ["3", "x"])

        XCTAssertEqual(canonical("ProxySFTPServerMatch", ["^OpenSSH", "pessimisticNewkeys", "yes"]),
                       ["^OpenSSH", "pessimisticNewkeys", "on"])
        XCTAssertEqual(refusal("ProxySFTPServerMatch", ["^OpenSSH", "pessimisticNewkeys"]),
                       "wrong number of parameters: expected a pattern followed by key/value pairs, got 2")
        assertRefused("ProxySFTPServerMatch", ["^OpenSSH", "pessimisticNewkeys", "on", "extra"])
        assertRefused("ProxySFTPServerMatch", ["^OpenSSH", "fastKex", "on"])
        assertRefused("ProxySFTPServerMatch", ["^OpenSSH", "pessimisticNewkeys", "perhaps"])
        assertRefused("ProxySFTPServerMatch", ["[", "pessimisticNewkeys", "on"])
    }

    // MARK: mod_proxy_protocol

    func testProxyProtocolDirectives() {
        XCTAssertEqual(canonical("ProxyProtocolOptions", ["UseProxiedServerAddress"]), ["UseProxiedServerAddress"])
        XCTAssertTrue(refusal("ProxyProtocolOptions", ["useproxiedserveraddress"]).hasPrefix("unknown ProxyProtocolOption"))
        XCTAssertEqual(canonical("ProxyProtocolTimeout", ["3sec"]), ["3"])
        assertRefused("ProxyProtocolTimeout", ["three"])
        for (word, value) in [("haproxyV1", "haproxyV1"), ("HAPROXYV2", "haproxyV2"), ("auto", "auto")] {
            XCTAssertEqual(canonical("ProxyProtocolVersion", [word]), [value])
        }
        XCTAssertEqual(refusal("ProxyProtocolVersion", ["haproxyV3"]),
                       "unsupported protocol/version 'haproxyV3' (expected haproxyV1, haproxyV2, auto)")
        XCTAssertEqual(valid("ProxyProtocolEngine", ["on"])?.activity, .active)
    }

    // MARK: Activity table

    func testImplementedFeaturesMakeDirectivesActive() throws {
        let tls = try DirectiveRegistry.validate(name: "ProxyTLSEngine", args: ["on"], implemented: [.tls])
        XCTAssertEqual(tls.activity, .active)
        let both = try DirectiveRegistry.validate(name: "ProxyReverseServers", args: ["sftp://h", "ftps://g"],
                                                  implemented: [.tls])
        XCTAssertEqual(both.activity, .parsedNotYetActive(feature: "SFTP/SCP proxying"))
    }

    func testHostileValuesAreEscapedInMessages() {
        let message = refusal("ProxyRole", ["x\r\n550 fake"])
        XCTAssertFalse(message.contains("\r"))
        XCTAssertFalse(message.contains("\n"))
        XCTAssertTrue(message.contains("x\\r\\n550 fake"))
    }
}
