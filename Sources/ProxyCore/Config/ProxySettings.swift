/// mod_proxy's settings for one server, typed, with upstream defaults.
public struct ProxySettings: Hashable, Sendable {
    public var engine = false
    public var role: ProxyRole = .reverse
    /// Accumulated over every ProxyOptions line.
    public var options: ProxyOptions = []
    public var retryCount = 5
    public var connectTimeout = TimeoutDuration(seconds: 5)
    public var lingerTimeout = TimeoutDuration(seconds: 3)
    public var dataTransferPolicy: DataTransferPolicy = .client
    public var directoryListPolicy: DirectoryListPolicy = .client
    /// ProxyDirectoryListPolicy ... UseSlink: "OS.unix=slink" in MLSD facts.
    public var directoryListUseSlink = false
    public var reverseConnectPolicy: ReverseConnectPolicy = .roundRobin
    public var reverseServers = ReverseServerList()
    public var datastore: ProxyDatastore = .sqlite
    /// ProxyTables; sessions are refused without it.
    public var tablesDirectory: String?
    /// ProxyLog; nil for none.
    public var logPath: String?
    /// ProxySourceAddress (an address, or a name the bridge resolves).
    public var sourceAddress: String?
    /// Upstream's effective default is proxyuser,user@host.
    public var forwardMethod: ForwardMethod = .proxyUserThenUserAtHost
    public var forwardTo: ForwardToPattern?
    /// ProxyForwardEnabled (a <Class> setting); nil: only RFC 1918 clients.
    public var forwardEnabled: Bool?
    public var tls = TLSSettings()
    public var sftp = SFTPSettings()

    public init() {}

    /// Builds settings from stored records (name and canonical args, as
    /// `DirectiveRegistry.validate` produced them) in config order.
    /// mod_proxy_protocol records are skipped. Throws `ConfigRecordError`.
    public init(records: [(name: String, args: [String])]) throws {
        self.init()
        try forEachRecord(records, module: .proxy) { name, args in
            try apply(name, args)
        }
    }

    /// Convenience for directives kept as validated.
    public init(directives: [ValidatedDirective]) throws {
        try self.init(records: directives.map { (name: $0.name, args: $0.args) })
    }

    private mutating func apply(_ name: String, _ args: [String]) throws {
        let first = args.first ?? ""
        switch name {
        case "ProxyDataTransferPolicy": dataTransferPolicy = DataTransferPolicy.matching(first) ?? .client
        case "ProxyDatastore":
            datastore = args.count == 2 ? .redis(prefix: args[1]) : .sqlite
        case "ProxyDirectoryListPolicy":
            directoryListPolicy = DirectoryListPolicy.matching(first) ?? .client
            directoryListUseSlink = args.dropFirst().contains("UseSlink")
        case "ProxyEngine": engine = ConfigValues.boolean(first) ?? false
        case "ProxyForwardEnabled": forwardEnabled = ConfigValues.boolean(first)
        case "ProxyForwardMethod": forwardMethod = ForwardMethod.matching(first) ?? .proxyUserThenUserAtHost
        case "ProxyForwardTo": forwardTo = try CoreDirectiveSpecs.forwardToPattern(args)
        case "ProxyLog": logPath = first == "none" ? nil : first
        case "ProxyOptions": options.formUnion(try ProxyOptions.parse(args).options)
        case "ProxyRetryCount": retryCount = Int(first) ?? 5
        case "ProxyReverseConnectPolicy": reverseConnectPolicy = ReverseConnectPolicy.matching(first) ?? .roundRobin
        case "ProxyReverseServers": try addReverseServers(args)
        case "ProxyRole": role = ProxyRole.matching(first) ?? .reverse
        case "ProxySourceAddress": sourceAddress = first
        case "ProxyTables": tablesDirectory = first
        case "ProxyTimeoutConnect": connectTimeout = TimeoutDuration(seconds: Int(first) ?? 5)
        case "ProxyTimeoutLinger": lingerTimeout = TimeoutDuration(seconds: Int(first) ?? 3)
        default:
            if name.hasPrefix("ProxyTLS") { try tls.apply(name, args) }
            if name.hasPrefix("ProxySFTP") { try sftp.apply(name, args) }
        }
    }

    private mutating func addReverseServers(_ args: [String]) throws {
        if args.count == 1, args[0].hasPrefix("file:") {
            let template = BackendPathTemplate(String(args[0].dropFirst(5)))
            if template.isDynamic {
                reverseServers.dynamicSources.append(.file(template))
            } else {
                reverseServers.staticFiles.append(template.template)
            }
            return
        }
        if args.count == 1, args[0].hasPrefix("sql:/") {
            reverseServers.dynamicSources.append(.sqlNamedQuery(String(args[0].dropFirst(5))))
            return
        }
        for text in args {
            reverseServers.staticURLs.append(try BackendURL(parsing: text))
        }
    }
}

extension TLSSettings {
    mutating func apply(_ name: String, _ args: [String]) throws {
        let first = args.first ?? ""
        switch name {
        case "ProxyTLSCACertificateFile": caCertificateFile = first
        case "ProxyTLSCACertificatePath": caCertificatePath = first
        case "ProxyTLSCARevocationFile": caRevocationFile = first
        case "ProxyTLSCARevocationPath": caRevocationPath = first
        case "ProxyTLSCertificateFile": certificateFile = first
        case "ProxyTLSCertificateKeyFile": certificateKeyFile = first
        case "ProxyTLSCipherSuite":
            // Every line counts; the last one per protocol wins (as upstream).
            if args.count == 2, ASCII.equalsIgnoringCase(args[0], "TLSv1.3") {
                tls13CipherSuites = args[1]
            } else {
                cipherSuite = args.last
            }
        case "ProxyTLSEngine": engine = TLSEngineMode.matching(first) ?? .auto
        case "ProxyTLSOptions": options.formUnion(try TLSOptions.parse(args).options)
        case "ProxyTLSPreSharedKey":
            if args.count == 2 {
                preSharedKeys.append(TLSPreSharedKey(identity: args[0], keyPath: String(args[1].dropFirst(4))))
            }
        case "ProxyTLSProtocol": protocols = try TLSDirectiveSpecs.protocols(args)
        case "ProxyTLSTimeoutHandshake": handshakeTimeout = TimeoutDuration(seconds: Int(first) ?? 30)
        case "ProxyTLSTransferProtectionPolicy":
            transferProtectionPolicy = TLSTransferProtectionPolicy.matching(first) ?? .required
        case "ProxyTLSVerifyServer": verifyServer = ConfigValues.boolean(first) ?? true
        default: break
        }
    }
}

extension SFTPSettings {
    mutating func apply(_ name: String, _ args: [String]) throws {
        let first = args.first ?? ""
        switch name {
        case "ProxySFTPCiphers": ciphers = args
        case "ProxySFTPCompression": compression = SFTPCompression.matching(first) ?? .off
        case "ProxySFTPDigests": digests = args
        case "ProxySFTPHostKey": hostKeys.append(first)
        case "ProxySFTPKeyExchanges": keyExchanges = args
        case "ProxySFTPOptions": options.formUnion(try SFTPOptions.parse(args).options.withImpliedOptions)
        case "ProxySFTPPassPhraseProvider": passPhraseProvider = first
        case "ProxySFTPServerAlive":
            if args.count == 2, let count = Int(args[0]), let interval = Int(args[1]) {
                serverAlive = SFTPServerAlive(maxCount: count, intervalSeconds: interval)
            }
        case "ProxySFTPServerMatch": serverMatches.append(try SFTPDirectiveSpecs.serverMatch(args).match)
        case "ProxySFTPVerifyServer": verifyServer = ConfigValues.boolean(first) ?? false
        default: break
        }
    }
}
