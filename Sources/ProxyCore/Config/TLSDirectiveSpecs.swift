/// The 14 ProxyTLS* directives.
enum TLSDirectiveSpecs {
    /// OpenSSL's PSK_MAX_IDENTITY_LEN.
    static let maxPreSharedKeyIdentityLength = 256

    static let all: [DirectiveSpec] = [
        pathDirective("ProxyTLSCACertificateFile", check: { .fileMustExist(path: $0) }),
        pathDirective("ProxyTLSCACertificatePath", check: { .directoryMustExist(path: $0) }),
        pathDirective("ProxyTLSCARevocationFile", check: { .fileMustExist(path: $0) }),
        pathDirective("ProxyTLSCARevocationPath", check: { .directoryMustExist(path: $0) }),
        pathDirective("ProxyTLSCertificateFile", check: { .fileMustExist(path: $0) }),

        DirectiveSpec("ProxyTLSCertificateKeyFile", feature: .tls) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            // PKCS#11 URIs name a token, not a file.
            if args[0].hasPrefix("pkcs11:") { return ParsedArguments(args: args) }
            try ConfigValues.requireAbsolutePath(args[0])
            return ParsedArguments(args: args, fileChecks: [.fileMustExist(path: args[0])])
        },

        DirectiveSpec("ProxyTLSCipherSuite", multi: true, feature: .tls) { args in
            try ConfigValues.requireCount(args, in: 1...2)
            if args.count == 1 {
                let suite = args[0]
                try requireCipherList(suite)
                // TLSv1.3 suite names contain '_'; OpenSSL silently ignores them
                // in a TLSv1.2-style list.
                if suite.contains("_") {
                    throw DirectiveError.invalidValue(
                        "use of TLSv1.3 ciphersuite in '\(ConfigText.printable(suite))' requires protocol parameter; use 'ProxyTLSCipherSuite TLSv1.3 \(ConfigText.printable(suite))'")
                }
                return ParsedArguments(args: [suite])
            }
            guard let version = cipherSuiteProtocol(args[0]) else {
                throw DirectiveError.invalidValue(
                    "unknown/unsupported protocol specifier '\(ConfigText.printable(args[0]))' (expected TLSv1.3, TLSv1.2, TLSv1.1, TLSv1.0)")
            }
            try requireCipherList(args[1])
            return ParsedArguments(args: [version, args[1]])
        },

        DirectiveSpec("ProxyTLSEngine") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let mode: TLSEngineMode
            if let on = ConfigValues.boolean(args[0]) {
                mode = on ? .on : .off
            } else if let keyword = TLSEngineMode.matching(args[0]), keyword == .auto || keyword == .matchClient {
                mode = keyword
            } else {
                throw DirectiveError.invalidValue(
                    "unknown ProxyTLSEngine value '\(ConfigText.printable(args[0]))' (expected on, off, auto, MatchClient)")
            }
            // Turning TLS off needs nothing that is missing.
            return ParsedArguments(args: [mode.rawValue], features: mode == .off ? [] : [.tls])
        },

        DirectiveSpec("ProxyTLSOptions", multi: true, feature: .tls) { args in
            try ConfigValues.requireCount(args, atLeast: 1)
            return ParsedArguments(args: try TLSOptions.parse(args).canonical)
        },

        DirectiveSpec("ProxyTLSPreSharedKey", multi: true, feature: .tls) { args in
            try ConfigValues.requireCount(args, exactly: 2)
            let identity = args[0], keyInfo = args[1]
            if identity.isEmpty || identity.utf8.count > maxPreSharedKeyIdentityLength {
                throw DirectiveError.invalidValue(
                    "ProxyTLSPreSharedKey identity '\(ConfigText.printable(identity))' must be 1 to \(maxPreSharedKeyIdentityLength) bytes long")
            }
            guard keyInfo.hasPrefix("hex:"), keyInfo.utf8.count > 4 else {
                throw DirectiveError.invalidValue(
                    "unsupported ProxyTLSPreSharedKey format '\(ConfigText.printable(keyInfo))' (expected hex:/path/to/key)")
            }
            let path = String(keyInfo.dropFirst(4))
            try ConfigValues.requireAbsolutePath(path, what: "pre-shared key file")
            return ParsedArguments(args: [identity, keyInfo], fileChecks: [.secretFile(path: path)])
        },

        DirectiveSpec("ProxyTLSProtocol", feature: .tls) { args in
            try ConfigValues.requireCount(args, atLeast: 1)
            return ParsedArguments(args: try protocols(args).protocolNames)
        },

        DirectiveSpec("ProxyTLSTimeoutHandshake", feature: .tls) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [String(try ConfigValues.duration(args[0]))])
        },

        DirectiveSpec("ProxyTLSTransferProtectionPolicy", feature: .tls) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let policy = try ConfigValues.keyword(args[0], TLSTransferProtectionPolicy.self,
                                                  what: "ProxyTLSTransferProtectionPolicy")
            return ParsedArguments(args: [policy.rawValue])
        },

        DirectiveSpec("ProxyTLSVerifyServer", feature: .tls) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [ConfigValues.onOff(try ConfigValues.requireBoolean(args[0]))])
        },
    ]

    private static func pathDirective(_ name: String, feature: ProxyFeature = .tls,
                                      check: @escaping @Sendable (String) -> FileCheck) -> DirectiveSpec {
        DirectiveSpec(name, feature: feature) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            try ConfigValues.requireAbsolutePath(args[0])
            return ParsedArguments(args: args, fileChecks: [check(args[0])])
        }
    }

    private static func requireCipherList(_ suite: String) throws {
        if suite.isEmpty || suite.utf8.contains(where: ASCII.isControlOrSpace) {
            throw DirectiveError.invalidValue("invalid cipher list '\(ConfigText.printable(suite))'")
        }
    }

    /// The canonical protocol name for ProxyTLSCipherSuite's optional first parameter.
    static func cipherSuiteProtocol(_ text: String) -> String? {
        ["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0"].first { ASCII.equalsIgnoringCase($0, text) }
    }

    /// "proto..." or "ALL [+-]proto..." ("SSLv23" means SSLv3 and TLSv1).
    static func protocols(_ args: [String]) throws -> TLSProtocols {
        func unknown(_ text: String) -> DirectiveError {
            .invalidValue("unknown protocol '\(ConfigText.printable(text))' (expected SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)")
        }
        var result: TLSProtocols = []
        if ASCII.equalsIgnoringCase(args[0], "ALL") {
            result = .all
            for word in args.dropFirst() {
                guard let sign = word.first, sign == "+" || sign == "-" else {
                    throw DirectiveError.invalidValue("missing required +/- prefix: '\(ConfigText.printable(word))'")
                }
                guard let proto = TLSProtocols.named(String(word.dropFirst())) else { throw unknown(word) }
                if sign == "+" { result.formUnion(proto) } else { result.subtract(proto) }
            }
        } else {
            for word in args {
                if ASCII.equalsIgnoringCase(word, "SSLv23") {
                    result.formUnion([.sslV3, .tlsV1])
                } else if let proto = TLSProtocols.named(word) {
                    result.formUnion(proto)
                } else {
                    throw unknown(word)
                }
            }
        }
        if result.isEmpty {
            throw DirectiveError.invalidValue("no SSL/TLS protocols left enabled by '\(args.joined(separator: " "))'")
        }
        return result
    }
}
