import XCTest
@testable import ProxyCore

/// Every Proxy* directive line in the configuration examples of
/// /work/shared/spec/mod_proxy.txt and mod_proxy_protocol.txt validates.
/// (Documentation ellipses "..." after URL lists are left out.)
final class SpecExamplesTests: XCTestCase {
    static let modProxyLines = [
        "ProxyDatastore Redis 1.2.3.4.",
        "ProxyForwardEnabled on",
        "ProxyForwardTo ^ftp.example.com:21$",
        "ProxyOptions UseProxyProtocolV1",
        "ProxyOptions AllowForeignAddress",
        "ProxyOptions IgnoreForeignAddress",
        "ProxyOptions UseDirectDataTransfers",
        "ProxyReverseServers ftp://ftp1.example.com:2121 ftps://1.2.3.4 ftp://[::ffff:6.7.8.9]:2121",
        "ProxyReverseServers ftp://ftp1.example.com:2121 ftp://1.2.3.4 ftp://[::ffff:6.7.8.9]:2121 ftps://ftp2.example.com ftps://ftp3.example.com:990",
        "ProxyReverseServers ftp+srv://_ftp._tcp.castaglia.org",
        "ProxyReverseServers ftp+txt://castaglia.org",
        "ProxyReverseServers file:/path/to/backends.json",
        "ProxyReverseConnectPolicy PerUser",
        "ProxyReverseServers sql:/get-user-servers",
        "ProxySFTPHostKey /etc/ssh_host_dsa_key",
        "ProxySFTPHostKey /etc/ssh_host_rsa_key",
        "ProxySFTPHostKey /etc/ssh_host_ecdsa_key",
        "ProxySFTPHostKey /etc/ssh_host_ed25519_key",
        "ProxySFTPHostKey agent:%{env:SSH_AUTH_SOCK}",
        "ProxySFTPOptions AllowWeakDH",
        "ProxySFTPPassPhraseProvider /etc/ftpd/proxy/get-ssh-passphrase",
        "ProxySFTPServerAlive 3 15",
        "ProxyTimeoutConnect 1sec",
        "ProxyTLSCACertificateFile /etc/ftpd/cacerts.pem",
        "ProxyTLSCACertificatePath /etc/ftpd/cacerts/",
        "ProxyTLSCARevocationFile /etc/ftpd/cacrls.pem",
        "ProxyTLSCARevocationPath /etc/ftpd/cacrls/",
        "ProxyTLSCertificateFile /etc/ftpd/client-cert.pem",
        "ProxyTLSCipherSuite TLSv1.3 TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256",
        "ProxyTLSOptions EnableDiags",
        "ProxyTLSPreSharedKey MyPSK hex:/path/to/psk.key",
        "ProxyTLSPreSharedKey identity hex:/path/to/identity.key",
        "ProxyTLSProtocol SSLv3 TLSv1",
        "ProxyTLSProtocol ALL -SSLv3",
        // Forward proxy configuration.
        "ProxyEngine on",
        "ProxyLog /path/to/proxy.log",
        "ProxyTables /var/ftp/proxy",
        "ProxyRole forward",
        "ProxyForwardMethod user@host",
        #"ProxyForwardTo ^ftp\.example\.com\:21$ [NC]"#,
        // Reverse proxy configurations.
        "ProxyRole reverse",
        "ProxyReverseConnectPolicy RoundRobin",
        "ProxyReverseServers ftp://ftp-backend1.example.com:2121 ftp://ftp-backend2.example.com:2121",
        "ProxyReverseServers file:/var/ftp/proxy/backends/%U.json",
        "ProxyReverseConnectPolicy PerGroup",
        "ProxyOptions UseReverseProxyAuth",
        "ProxyReverseServers file:/var/ftp/proxy/backends/%g.json",
        "ProxyTLSEngine auto",
        "ProxyReverseServers ftps://ftp.example.com:990",
        "ProxyReverseServers sftp://ssh-backend1.example.com:2222 sftp://ssh-backend2.example.com",
        // FAQ.
        "ProxyReverseConnectPolicy LeastConns",
        "ProxyReverseConnectPolicy PerHost",
        "ProxyReverseServers ftp://ftp-special1.example.com:2121 ftp://ftp-special2.example.com:2121",
        "ProxyReverseServers ftp://user1:password1@ftp-backend1.example.com:2121 ftp://user2:password2@ftp-backend2.example.com:2121",
        "ProxyForwardMethod proxyuser,user@host",
        "ProxyForwardMethod proxyuser@host,user",
    ]

    static let modProxyProtocolLines = [
        "ProxyProtocolEngine on",
        "ProxyProtocolIgnore on",
        "ProxyProtocolOptions UseProxiedServerAddress",
        "ProxyProtocolTimeout 3sec",
    ]

    func testEveryExampleLineValidates() {
        for line in Self.modProxyLines + Self.modProxyProtocolLines {
            let words = line.split(separator: " ").map(String.init)
            guard let name = words.first else { continue }
            XCTAssertNoThrow(try DirectiveRegistry.validate(name: name, args: Array(words.dropFirst())), line)
        }
    }

    func testExamplesCoverEveryModule() {
        let names = Set((Self.modProxyLines + Self.modProxyProtocolLines).compactMap { $0.split(separator: " ").first.map(String.init) })
        XCTAssertTrue(names.contains("ProxyReverseServers"))
        XCTAssertEqual(names.filter { $0.hasPrefix("ProxyProtocol") }.count, 4)
    }

    func testReverseExampleBuildsSettings() throws {
        let lines = [
            "ProxyEngine on", "ProxyLog /path/to/proxy.log", "ProxyTables /var/ftp/proxy", "ProxyRole reverse",
            "ProxyReverseConnectPolicy PerUser",
            "ProxyReverseServers ftp://ftp-backend1.example.com:2121 ftp://ftp-backend2.example.com:2121",
            "ProxyReverseServers file:/var/ftp/proxy/backends/%U.json",
        ]
        let records = try lines.map { line -> (name: String, args: [String]) in
            let words = line.split(separator: " ").map(String.init)
            let directive = try DirectiveRegistry.validate(name: words[0], args: Array(words.dropFirst()))
            return (name: directive.name, args: directive.args)
        }
        let settings = try ProxySettings(records: records)
        XCTAssertTrue(settings.engine)
        XCTAssertEqual(settings.role, .reverse)
        XCTAssertEqual(settings.reverseConnectPolicy, .perUser)
        XCTAssertEqual(settings.tablesDirectory, "/var/ftp/proxy")
        XCTAssertEqual(settings.reverseServers.staticURLs.count, 2)
        XCTAssertEqual(settings.reverseServers.dynamicSource,
                       .file(BackendPathTemplate("/var/ftp/proxy/backends/%U.json")))
    }
}
