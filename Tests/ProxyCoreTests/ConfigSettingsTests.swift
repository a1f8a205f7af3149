import XCTest
@testable import ProxyCore

final class ConfigSettingsTests: XCTestCase {
    func testDefaultsMatchUpstream() throws {
        let settings = try ProxySettings(records: [])
        XCTAssertFalse(settings.engine)
        XCTAssertEqual(settings.role, .reverse)
        XCTAssertEqual(settings.options, [])
        XCTAssertEqual(settings.retryCount, 5)
        XCTAssertEqual(settings.connectTimeout, TimeoutDuration(seconds: 5))
        XCTAssertEqual(settings.lingerTimeout, TimeoutDuration(seconds: 3))
        XCTAssertEqual(settings.dataTransferPolicy, .client)
        XCTAssertEqual(settings.directoryListPolicy, .client)
        XCTAssertFalse(settings.directoryListUseSlink)
        XCTAssertEqual(settings.reverseConnectPolicy, .roundRobin)
        XCTAssertTrue(settings.reverseServers.isEmpty)
        XCTAssertEqual(settings.datastore, .sqlite)
        XCTAssertNil(settings.tablesDirectory)
        XCTAssertNil(settings.logPath)
        XCTAssertNil(settings.sourceAddress)
        XCTAssertEqual(settings.forwardMethod, .proxyUserThenUserAtHost)
        XCTAssertNil(settings.forwardTo)
        XCTAssertNil(settings.forwardEnabled)

        XCTAssertEqual(settings.tls.engine, .auto)
        XCTAssertTrue(settings.tls.verifyServer)
        XCTAssertEqual(settings.tls.transferProtectionPolicy, .required)
        XCTAssertEqual(settings.tls.protocols, [.tlsV1, .tlsV1_1, .tlsV1_2, .tlsV1_3])
        XCTAssertEqual(settings.tls.handshakeTimeout.seconds, 30)
        XCTAssertEqual(settings.tls.effectiveCipherList, "DEFAULT:!ADH:!EXPORT:!DES")
        XCTAssertNil(settings.tls.caCertificateFile)
        XCTAssertEqual(settings.tls.preSharedKeys, [])

        XCTAssertEqual(settings.sftp.compression, .off)
        XCTAssertFalse(settings.sftp.verifyServer)
        XCTAssertNil(settings.sftp.ciphers)
        XCTAssertEqual(settings.sftp.hostKeys, [])
        XCTAssertEqual(settings, ProxySettings())
    }

    func testTypedValuesFromRecords() throws {
        let settings = try ProxySettings(records: [
            (name: "ProxyEngine", args: ["on"]),
            (name: "ProxyRole", args: ["forward"]),
            (name: "ProxyRetryCount", args: ["3"]),
            (name: "ProxyTimeoutConnect", args: ["1sec"]),
            (name: "ProxyTimeoutLinger", args: ["10"]),
            (name: "ProxyDataTransferPolicy", args: ["EPSV"]),
            (name: "ProxyDirectoryListPolicy", args: ["LIST", "UseSlink"]),
            (name: "ProxyReverseConnectPolicy", args: ["Shuffle"]),
            (name: "ProxyDatastore", args: ["Redis", "node1."]),
            (name: "ProxyTables", args: ["/var/ftp/proxy"]),
            (name: "ProxyLog", args: ["/var/log/proxy.log"]),
            (name: "ProxySourceAddress", args: ["10.1.1.1"]),
            (name: "ProxyForwardMethod", args: ["user@host"]),
            (name: "ProxyForwardTo", args: ["^ftp\\.example\\.com:21$", "[NC]"]),
            (name: "ProxyForwardEnabled", args: ["off"]),
        ])
        XCTAssertTrue(settings.engine)
        XCTAssertEqual(settings.role, .forward)
        XCTAssertEqual(settings.retryCount, 3)
        XCTAssertEqual(settings.connectTimeout.seconds, 1)
        XCTAssertEqual(settings.lingerTimeout.seconds, 10)
        XCTAssertEqual(settings.dataTransferPolicy, .epsv)
        XCTAssertEqual(settings.directoryListPolicy, .list)
        XCTAssertTrue(settings.directoryListUseSlink)
        XCTAssertEqual(settings.reverseConnectPolicy, .shuffle)
        XCTAssertEqual(settings.datastore, .redis(prefix: "node1."))
        XCTAssertEqual(settings.tablesDirectory, "/var/ftp/proxy")
        XCTAssertEqual(settings.logPath, "/var/log/proxy.log")
        XCTAssertEqual(settings.sourceAddress, "10.1.1.1")
        XCTAssertEqual(settings.forwardMethod, .userAtHost)
        XCTAssertEqual(settings.forwardTo, ForwardToPattern(pattern: "^ftp\\.example\\.com:21$", isNegated: false, ignoresCase: true))
        XCTAssertEqual(settings.forwardTo?.allows("FTP.example.COM:21"), true)
        XCTAssertEqual(settings.forwardTo?.allows("ftp.example.com:2121"), false)
        XCTAssertEqual(settings.forwardEnabled, false)
    }

    func testNegatedForwardTo() throws {
        let settings = try ProxySettings(records: [(name: "ProxyForwardTo", args: ["!^evil\\."])])
        XCTAssertEqual(settings.forwardTo?.allows("evil.example.com:21"), false)
        XCTAssertEqual(settings.forwardTo?.allows("good.example.com:21"), true)
        XCTAssertEqual(settings.forwardTo?.allows("EVIL.example.com:21"), true)
    }

    func testLogNone() throws {
        XCTAssertNil(try ProxySettings(records: [(name: "ProxyLog", args: ["none"])]).logPath)
    }

    func testOptionsAccumulate() throws {
        let settings = try ProxySettings(records: [
            (name: "ProxyOptions", args: ["ShowFeatures"]),
            (name: "ProxyOptions", args: ["UseProxyProtocol", "IgnoreConfigPerms"]),
            (name: "ProxyTLSOptions", args: ["EnableDiags"]),
            (name: "ProxyTLSOptions", args: ["NoSessionCache"]),
            (name: "ProxySFTPOptions", args: ["OldProtocolCompat"]),
        ])
        XCTAssertEqual(settings.options, [.showFeatures, .useProxyProtocolV1, .ignoreConfigPerms])
        XCTAssertEqual(settings.options.keywordNames, ["IgnoreConfigPerms", "ShowFeatures", "UseProxyProtocolV1"])
        XCTAssertEqual(settings.tls.options, [.enableDiags, .noSessionCache])
        XCTAssertEqual(settings.sftp.options, [.oldProtocolCompat, .pessimisticKexinit])
    }

    func testSingleValuedFirstRecordWins() throws {
        let settings = try ProxySettings(records: [
            (name: "ProxyEngine", args: ["on"]),
            (name: "ProxyEngine", args: ["off"]),
            (name: "ProxyRetryCount", args: ["2"]),
            (name: "ProxyRetryCount", args: ["9"]),
        ])
        XCTAssertTrue(settings.engine)
        XCTAssertEqual(settings.retryCount, 2)
    }

    func testReverseServersAccumulate() throws {
        let settings = try ProxySettings(records: [
            (name: "ProxyReverseServers", args: ["ftp://ftp-backend1.example.com:2121", "ftp://ftp-backend2.example.com:2121"]),
            (name: "ProxyReverseServers", args: ["ftps://u:p@[::1]:990"]),
            (name: "ProxyReverseServers", args: ["file:/var/ftp/proxy/backends/%U.json"]),
            (name: "ProxyReverseServers", args: ["file:/etc/proxy/static.json"]),
            (name: "ProxyReverseServers", args: ["sql:/get-user-servers"]),
        ])
        let servers = settings.reverseServers
        XCTAssertEqual(servers.staticURLs.map(\.description), [
            "ftp://ftp-backend1.example.com:2121", "ftp://ftp-backend2.example.com:2121", "ftps://u@[::1]:990",
        ])
        XCTAssertEqual(servers.staticURLs[2].password, "p")
        XCTAssertTrue(servers.staticURLs[2].usesImplicitTLS)
        XCTAssertEqual(servers.staticFiles, ["/etc/proxy/static.json"])
        XCTAssertEqual(servers.dynamicSources, [
            .file(BackendPathTemplate("/var/ftp/proxy/backends/%U.json")), .sqlNamedQuery("get-user-servers"),
        ])
        XCTAssertEqual(servers.dynamicSource, .file(BackendPathTemplate("/var/ftp/proxy/backends/%U.json")))
    }

    func testResolvedFileURLsStoredAsArgsRoundTrip() throws {
        let urls = [try BackendURL(parsing: "ftp://a%40b:p%3As@h:2121"), try BackendURL(parsing: "sftp://[::1]")]
        let settings = try ProxySettings(records: [(name: "ProxyReverseServers", args: urls.map(\.stringWithCredentials))])
        XCTAssertEqual(settings.reverseServers.staticURLs, urls)
        XCTAssertEqual(settings.reverseServers.staticURLs[0].username, "a@b")
    }

    func testTLSSettings() throws {
        let settings = try ProxySettings(records: [
            (name: "ProxyTLSEngine", args: ["MatchClient"]),
            (name: "ProxyTLSVerifyServer", args: ["off"]),
            (name: "ProxyTLSTransferProtectionPolicy", args: ["clear"]),
            (name: "ProxyTLSCACertificateFile", args: ["/etc/ftpd/cacerts.pem"]),
            (name: "ProxyTLSCACertificatePath", args: ["/etc/ftpd/cacerts/"]),
            (name: "ProxyTLSCARevocationFile", args: ["/etc/ftpd/cacrls.pem"]),
            (name: "ProxyTLSCARevocationPath", args: ["/etc/ftpd/cacrls/"]),
            (name: "ProxyTLSCertificateFile", args: ["/etc/ftpd/client-cert.pem"]),
            (name: "ProxyTLSCertificateKeyFile", args: ["/etc/ftpd/client-key.pem"]),
            (name: "ProxyTLSCipherSuite", args: ["HIGH"]),
            (name: "ProxyTLSCipherSuite", args: ["TLSv1.3", "TLS_AES_128_GCM_SHA256"]),
            (name: "ProxyTLSCipherSuite", args: ["HIGH:!MD5"]),
            (name: "ProxyTLSPreSharedKey", args: ["one", "hex:/k1"]),
            (name: "ProxyTLSPreSharedKey", args: ["two", "hex:/k2"]),
            (name: "ProxyTLSProtocol", args: ["ALL", "-SSLv3", "-TLSv1"]),
            (name: "ProxyTLSTimeoutHandshake", args: ["45"]),
        ])
        let tls = settings.tls
        XCTAssertEqual(tls.engine, .matchClient)
        XCTAssertFalse(tls.verifyServer)
        XCTAssertEqual(tls.transferProtectionPolicy, .clear)
        XCTAssertEqual(tls.caCertificateFile, "/etc/ftpd/cacerts.pem")
        XCTAssertEqual(tls.caCertificatePath, "/etc/ftpd/cacerts/")
        XCTAssertEqual(tls.caRevocationFile, "/etc/ftpd/cacrls.pem")
        XCTAssertEqual(tls.caRevocationPath, "/etc/ftpd/cacrls/")
        XCTAssertEqual(tls.certificateFile, "/etc/ftpd/client-cert.pem")
        XCTAssertEqual(tls.certificateKeyFile, "/etc/ftpd/client-key.pem")
        XCTAssertEqual(tls.cipherSuite, "HIGH:!MD5")
        XCTAssertEqual(tls.effectiveCipherList, "!EXPORT:HIGH:!MD5")
        XCTAssertEqual(tls.tls13CipherSuites, "TLS_AES_128_GCM_SHA256")
        XCTAssertEqual(tls.preSharedKeys, [TLSPreSharedKey(identity: "one", keyPath: "/k1"),
                                           TLSPreSharedKey(identity: "two", keyPath: "/k2")])
        XCTAssertEqual(tls.protocols, [.tlsV1_1, .tlsV1_2, .tlsV1_3])
        XCTAssertEqual(tls.handshakeTimeout.seconds, 45)

        var profile = TLSSettings()
        profile.cipherSuite = "PROFILE=SYSTEM"
        XCTAssertEqual(profile.effectiveCipherList, "PROFILE=SYSTEM")
    }

    func testSFTPSettings() throws {
        let settings = try ProxySettings(records: [
            (name: "ProxySFTPCiphers", args: ["aes256-ctr"]),
            (name: "ProxySFTPDigests", args: ["hmac-sha2-512", "hmac-sha2-256"]),
            (name: "ProxySFTPKeyExchanges", args: ["curve25519-sha256"]),
            (name: "ProxySFTPCompression", args: ["off"]),
            (name: "ProxySFTPHostKey", args: ["/etc/ssh_host_rsa_key"]),
            (name: "ProxySFTPHostKey", args: ["agent:/run/agent"]),
            (name: "ProxySFTPPassPhraseProvider", args: ["/bin/pass"]),
            (name: "ProxySFTPServerAlive", args: ["3", "15"]),
            (name: "ProxySFTPServerMatch", args: ["^OpenSSH_7", "pessimisticNewkeys", "on"]),
            (name: "ProxySFTPServerMatch", args: ["^Foo", "pessimisticNewkeys", "off"]),
            (name: "ProxySFTPVerifyServer", args: ["on"]),
        ])
        let sftp = settings.sftp
        XCTAssertEqual(sftp.ciphers, ["aes256-ctr"])
        XCTAssertEqual(sftp.digests, ["hmac-sha2-512", "hmac-sha2-256"])
        XCTAssertEqual(sftp.keyExchanges, ["curve25519-sha256"])
        XCTAssertEqual(sftp.compression, .off)
        XCTAssertEqual(sftp.hostKeys, ["/etc/ssh_host_rsa_key", "agent:/run/agent"])
        XCTAssertEqual(sftp.passPhraseProvider, "/bin/pass")
        XCTAssertEqual(sftp.serverAlive, SFTPServerAlive(maxCount: 3, intervalSeconds: 15))
        XCTAssertEqual(sftp.serverMatches, [SFTPServerMatch(pattern: "^OpenSSH_7", pessimisticNewkeys: true),
                                            SFTPServerMatch(pattern: "^Foo", pessimisticNewkeys: false)])
        XCTAssertTrue(sftp.verifyServer)
    }

    func testSettingsAcceptRawSpellingsToo() throws {
        // Records straight from the config file (not canonicalised) give the same settings.
        let raw = try ProxySettings(records: [(name: "proxyengine", args: ["YES"]),
                                              (name: "ProxyTimeoutConnect", args: ["2min"]),
                                              (name: "ProxyReverseConnectPolicy", args: ["leastconns"])])
        XCTAssertTrue(raw.engine)
        XCTAssertEqual(raw.connectTimeout.seconds, 120)
        XCTAssertEqual(raw.reverseConnectPolicy, .leastConns)

        let validated = try ["ProxyEngine": ["YES"]].map { try DirectiveRegistry.validate(name: $0.key, args: $0.value) }
        XCTAssertTrue(try ProxySettings(directives: validated).engine)
    }

    func testInvalidAndUnknownRecordsThrowWithDirectiveName() {
        XCTAssertThrowsError(try ProxySettings(records: [(name: "ProxyRetryCount", args: ["0"])])) { error in
            XCTAssertEqual(String(describing: error), "ProxyRetryCount: retry count must be 1 or more, got '0'")
        }
        XCTAssertThrowsError(try ProxySettings(records: [(name: "ProxyBogus", args: ["1"])])) { error in
            XCTAssertEqual(String(describing: error), "ProxyBogus: unknown directive 'ProxyBogus'")
        }
    }

    func testModulesIgnoreEachOthersRecords() throws {
        let records: [(name: String, args: [String])] = [
            (name: "ProxyEngine", args: ["on"]),
            (name: "ProxyProtocolEngine", args: ["on"]),
        ]
        XCTAssertTrue(try ProxySettings(records: records).engine)
        XCTAssertTrue(try ProxyProtocolSettings(records: records).engine)
    }

    func testProxyProtocolSettings() throws {
        let defaults = try ProxyProtocolSettings(records: [])
        XCTAssertFalse(defaults.engine)
        XCTAssertFalse(defaults.ignore)
        XCTAssertEqual(defaults.options, [])
        XCTAssertEqual(defaults.timeout.seconds, 3)
        XCTAssertEqual(defaults.version, .haproxyV1)

        let settings = try ProxyProtocolSettings(records: [
            (name: "ProxyProtocolEngine", args: ["on"]),
            (name: "ProxyProtocolIgnore", args: ["on"]),
            (name: "ProxyProtocolOptions", args: ["UseProxiedServerAddress"]),
            (name: "ProxyProtocolTimeout", args: ["10"]),
            (name: "ProxyProtocolVersion", args: ["auto"]),
        ])
        XCTAssertTrue(settings.engine)
        XCTAssertTrue(settings.ignore)
        XCTAssertEqual(settings.options, [.useProxiedServerAddress])
        XCTAssertEqual(settings.timeout.seconds, 10)
        XCTAssertEqual(settings.version, .auto)

        XCTAssertEqual(try ProxyProtocolSettings(records: [(name: "ProxyProtocolVersion", args: ["haproxyV2"])]).version,
                       .haproxyV2)
        XCTAssertThrowsError(try ProxyProtocolSettings(records: [(name: "ProxyProtocolVersion", args: ["v3"])]))
    }

    func testPolicyHelpers() {
        XCTAssertTrue(ReverseConnectPolicy.perUser.needsUserName)
        XCTAssertTrue(ReverseConnectPolicy.perHost.isSticky)
        XCTAssertFalse(ReverseConnectPolicy.perHost.needsUserName)
        XCTAssertFalse(ReverseConnectPolicy.roundRobin.isSticky)
        XCTAssertTrue(ForwardMethod.proxyUserAtHostThenUser.requiresProxyAuth)
        XCTAssertFalse(ForwardMethod.userAtSNI.requiresProxyAuth)
    }
}
