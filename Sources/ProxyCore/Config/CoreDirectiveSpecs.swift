/// The 17 general mod_proxy directives.
enum CoreDirectiveSpecs {
    static let all: [DirectiveSpec] = [
        DirectiveSpec("ProxyDataTransferPolicy") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let policy = try ConfigValues.keyword(args[0], DataTransferPolicy.self, what: "DataTransferPolicy")
            return ParsedArguments(args: [policy.rawValue])
        },

        DirectiveSpec("ProxyDatastore", contexts: .serverConfig) { args in
            try ConfigValues.requireCount(args, in: 1...2)
            if ASCII.equalsIgnoringCase(args[0], "SQLite") {
                if args.count == 2 {
                    throw DirectiveError.invalidValue(
                        "the SQLite datastore takes no further parameters, got '\(ConfigText.printable(args[1]))'")
                }
                return ParsedArguments(args: ["SQLite"])
            }
            if ASCII.equalsIgnoringCase(args[0], "Redis") {
                guard args.count == 2, !args[1].isEmpty else {
                    throw DirectiveError.invalidValue("missing required Redis key prefix")
                }
                return ParsedArguments(args: ["Redis", args[1]], features: [.redisDatastore])
            }
            throw DirectiveError.invalidValue(
                "unsupported ProxyDatastore '\(ConfigText.printable(args[0]))' (expected SQLite, Redis)")
        },

        DirectiveSpec("ProxyDirectoryListPolicy") { args in
            try ConfigValues.requireCount(args, atLeast: 1)
            let policy = try ConfigValues.keyword(args[0], DirectoryListPolicy.self, what: "DirectoryListPolicy")
            var canonical = [policy.rawValue]
            for option in args.dropFirst() {
                guard ASCII.equalsIgnoringCase(option, "UseSlink") else {
                    throw DirectiveError.invalidValue(
                        "unknown DirectoryListPolicy option '\(ConfigText.printable(option))' (expected UseSlink)")
                }
                if !canonical.contains("UseSlink") { canonical.append("UseSlink") }
            }
            return ParsedArguments(args: canonical,
                                   features: policy == .list ? [.directoryListTranslation] : [])
        },

        DirectiveSpec("ProxyEngine") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [ConfigValues.onOff(try ConfigValues.requireBoolean(args[0]))])
        },

        DirectiveSpec("ProxyForwardEnabled", contexts: .classSection, feature: .forwardProxy) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [ConfigValues.onOff(try ConfigValues.requireBoolean(args[0]))])
        },

        DirectiveSpec("ProxyForwardMethod", feature: .forwardProxy) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let method = try ConfigValues.keyword(args[0], ForwardMethod.self, what: "forward method")
            return ParsedArguments(args: [method.rawValue],
                                   features: method.requiresProxyAuth ? [.forwardProxyLogin] : [])
        },

        DirectiveSpec("ProxyForwardTo", feature: .forwardProxy) { args in
            try ConfigValues.requireCount(args, in: 1...2)
            let pattern = try forwardToPattern(args)
            var canonical = [(pattern.isNegated ? "!" : "") + pattern.pattern]
            if pattern.ignoresCase { canonical.append("[NC]") }
            return ParsedArguments(args: canonical)
        },

        DirectiveSpec("ProxyLog") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            if ASCII.equalsIgnoringCase(args[0], "none") { return ParsedArguments(args: ["none"]) }
            try ConfigValues.requireAbsolutePath(args[0], what: "ProxyLog path")
            return ParsedArguments(args: [args[0]])
        },

        DirectiveSpec("ProxyOptions", multi: true) { args in
            try ConfigValues.requireCount(args, atLeast: 1)
            let (options, canonical) = try ProxyOptions.parse(args)
            var features: [ProxyFeature] = []
            if options.contains(.useDirectDataTransfers) { features.append(.directDataTransfers) }
            if options.contains(.useReverseProxyAuth) { features.append(.reverseProxyAuth) }
            if !options.isDisjoint(with: [.useProxyProtocolV1, .useProxyProtocolV2, .useProxyProtocolV2TLVs]) {
                features.append(.proxyProtocolToBackend)
            }
            return ParsedArguments(args: canonical, features: features)
        },

        DirectiveSpec("ProxyRetryCount") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let text = args[0]
            if !text.isEmpty, text.utf8.allSatisfy(ASCII.isDigit), ConfigValues.integer(text, limit: 1_000_000) == nil {
                throw DirectiveError.invalidValue("retry count '\(ConfigText.printable(text))' is too large (at most 1000000)")
            }
            guard let count = ConfigValues.integer(text, limit: 1_000_000), count >= 1 else {
                throw DirectiveError.invalidValue("retry count must be 1 or more, got '\(ConfigText.printable(text))'")
            }
            return ParsedArguments(args: [String(count)])
        },

        DirectiveSpec("ProxyReverseConnectPolicy") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let policy = try ConfigValues.keyword(args[0], ReverseConnectPolicy.self, what: "connect policy")
            var features: [ProxyFeature] = []
            if policy == .perGroup { features.append(.perGroupPolicy) }
            if policy == .leastConns || policy == .leastResponseTime { features.append(.leastPolicies) }
            return ParsedArguments(args: [policy.rawValue], features: features)
        },

        DirectiveSpec("ProxyReverseServers", multi: true) { args in
            try reverseServers(args)
        },

        DirectiveSpec("ProxyRole") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            guard let role = ProxyRole.matching(args[0]) else {
                throw DirectiveError.invalidValue(
                    "unknown proxy role '\(ConfigText.printable(args[0]))' (expected forward, reverse)")
            }
            return ParsedArguments(args: [role.rawValue], features: role == .forward ? [.forwardProxy] : [])
        },

        DirectiveSpec("ProxySourceAddress", feature: .sourceAddress) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let text = args[0]
            if let ip = IPAddress(text) { return ParsedArguments(args: [ip.description]) }
            // A host or interface name: resolved by the bridge (pr_netaddr_get_addr2).
            let bytes = Array(text.utf8)
            let plausible = !bytes.isEmpty && bytes.count <= 253
                && !bytes.contains(where: { ASCII.isControlOrSpace($0) || $0 == UInt8(ascii: "/") || $0 >= 0x80 })
            guard plausible else {
                throw DirectiveError.invalidValue(
                    "'\(ConfigText.printable(text))' is not an IP address, host name or interface name")
            }
            return ParsedArguments(args: [text])
        },

        DirectiveSpec("ProxyTables", contexts: .serverConfig) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            try ConfigValues.requireAbsolutePath(args[0], what: "ProxyTables directory")
            return ParsedArguments(args: [args[0]], fileChecks: [.prepareTablesDirectory(path: args[0])])
        },

        DirectiveSpec("ProxyTimeoutConnect") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [String(try ConfigValues.duration(args[0]))])
        },

        DirectiveSpec("ProxyTimeoutLinger") { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [String(try ConfigValues.duration(args[0]))])
        },
    ]

    /// ProxyForwardTo [!]pattern [[NC]|[nocase]]
    static func forwardToPattern(_ args: [String]) throws -> ForwardToPattern {
        var pattern = args[0]
        let negated = pattern.hasPrefix("!")
        if negated { pattern.removeFirst() }
        if pattern.isEmpty { throw DirectiveError.invalidValue("empty ProxyForwardTo pattern") }
        var ignoreCase = false
        if args.count == 2 {
            let flags = args[1]
            guard flags.hasPrefix("["), flags.hasSuffix("]"), flags.count >= 2 else {
                throw DirectiveError.invalidValue(
                    "badly formatted flags parameter '\(ConfigText.printable(flags))' (expected [NC])")
            }
            guard flags == "[NC]" || flags == "[nocase]" else {
                throw DirectiveError.invalidValue(
                    "unknown filter flags '\(ConfigText.printable(flags))' (expected [NC] or [nocase])")
            }
            ignoreCase = true
        }
        if let problem = RegexSyntax.compileError(pattern, ignoreCase) {
            throw DirectiveError.invalidValue(
                "'\(ConfigText.printable(pattern))' failed regex compilation: \(problem)")
        }
        return ForwardToPattern(pattern: pattern, isNegated: negated, ignoresCase: ignoreCase)
    }

    /// ProxyReverseServers URL... | file:path | sql:/NamedQuery
    static func reverseServers(_ args: [String]) throws -> ParsedArguments {
        try ConfigValues.requireCount(args, atLeast: 1)
        if args.count == 1, let source = try dynamicOrFileSource(args[0]) { return source }

        var needed: [ProxyFeature] = []
        for text in args {
            if text.hasPrefix("file:") || text.hasPrefix("sql:") {
                throw DirectiveError.invalidValue(
                    "'\(ConfigText.printable(text))' must be the only parameter (file: and sql: sources can't be mixed with URLs)")
            }
            let url: BackendURL
            do {
                url = try BackendURL(parsing: text)
            } catch let error as BackendURLError {
                throw DirectiveError.invalidValue(error.description)
            }
            for feature in features(for: url) where !needed.contains(feature) { needed.append(feature) }
        }
        return ParsedArguments(args: args, features: needed)
    }

    static func features(for url: BackendURL) -> [ProxyFeature] {
        var features: [ProxyFeature] = []
        if url.scheme == .sftp { features.append(.sftp) }
        if url.requiresTLS { features.append(.tls) }
        if url.dnsDiscovery != nil { features.append(.dnsDiscovery) }
        return features
    }

    private static func dynamicOrFileSource(_ text: String) throws -> ParsedArguments? {
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            try ConfigValues.requireAbsolutePath(path, what: "ProxyReverseServers file")
            let template = BackendPathTemplate(path)
            if template.isDynamic {
                return ParsedArguments(args: [text], features: template.usesGroup ? [.perGroupPolicy] : [])
            }
            return ParsedArguments(args: [text], fileChecks: [.loadBackendList(path: path)])
        }
        if text.hasPrefix("sql:") {
            guard text.hasPrefix("sql:/") else {
                throw DirectiveError.invalidValue("expected sql:/NamedQuery, got '\(ConfigText.printable(text))'")
            }
            let name = text.dropFirst(5)
            let valid = !name.isEmpty && !name.utf8.contains(where: { ASCII.isControlOrSpace($0) || $0 == UInt8(ascii: "/") })
            guard valid else {
                throw DirectiveError.invalidValue(
                    "'\(ConfigText.printable(text))' does not name an SQLNamedQuery (expected sql:/NamedQuery)")
            }
            return ParsedArguments(args: [text], features: [.sqlBackends])
        }
        return nil
    }
}
