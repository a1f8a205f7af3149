/// The 10 ProxySFTP* directives.
enum SFTPDirectiveSpecs {
    /// Upstream's cipher names (its crypto table).
    static let ciphers: [String] = [
        "chacha20-poly1305@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr",
        "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-cbc", "aes192-cbc", "aes128-cbc",
        "blowfish-ctr", "blowfish-cbc", "cast128-cbc", "arcfour256", "arcfour128", "3des-ctr", "3des-cbc",
        "none",
    ]

    /// Upstream's MAC names.
    static let digests: [String] = [
        "hmac-sha2-256", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512", "hmac-sha2-512-etm@openssh.com",
        "hmac-sha1", "hmac-sha1-etm@openssh.com", "hmac-sha1-96", "hmac-sha1-96-etm@openssh.com",
        "hmac-md5", "hmac-md5-etm@openssh.com", "hmac-md5-96", "hmac-md5-96-etm@openssh.com",
        "hmac-ripemd160", "umac-64@openssh.com", "umac-64-etm@openssh.com", "umac-128@openssh.com",
        "umac-128-etm@openssh.com", "none",
    ]

    /// Upstream's key exchange names.
    static let keyExchanges: [String] = [
        "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group14-sha256",
        "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
        "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "curve25519-sha256", "curve25519-sha256@libssh.org", "curve448-sha512",
        "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
        "rsa1024-sha1",
    ]

    static let all: [DirectiveSpec] = [
        algorithmList("ProxySFTPCiphers", known: ciphers, implemented: SFTPAlgorithmSupport.ciphers,
                      what: "cipher algorithm"),

        DirectiveSpec("ProxySFTPCompression", feature: .sftp) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let setting: String
            if let on = ConfigValues.boolean(args[0]) {
                setting = on ? "on" : "off"
            } else if ASCII.equalsIgnoringCase(args[0], "delayed") {
                setting = "delayed"
            } else {
                throw DirectiveError.invalidValue(
                    "unknown compression setting '\(ConfigText.printable(args[0]))' (expected on, off, delayed)")
            }
            guard SFTPAlgorithmSupport.compression.contains(setting) else {
                throw DirectiveError.invalidValue(
                    "compression '\(setting)' is not implemented yet by this module's SSH sessions (only off)")
            }
            return ParsedArguments(args: [setting])
        },

        algorithmList("ProxySFTPDigests", known: digests, implemented: SFTPAlgorithmSupport.digests,
                      what: "digest algorithm"),

        DirectiveSpec("ProxySFTPHostKey", multi: true, feature: .sftp) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            if args[0].hasPrefix("agent:") {
                if args[0].count == 6 {
                    throw DirectiveError.invalidValue("missing SSH agent socket after 'agent:'")
                }
                return ParsedArguments(args: args)
            }
            try ConfigValues.requireAbsolutePath(args[0], what: "host key")
            return ParsedArguments(args: args, fileChecks: [.privateKeyFile(path: args[0])])
        },

        algorithmList("ProxySFTPKeyExchanges", known: keyExchanges, implemented: SFTPAlgorithmSupport.keyExchanges,
                      what: "key exchange algorithm"),

        DirectiveSpec("ProxySFTPOptions", multi: true, feature: .sftp) { args in
            try ConfigValues.requireCount(args, atLeast: 1)
            return ParsedArguments(args: try SFTPOptions.parse(args).canonical)
        },

        DirectiveSpec("ProxySFTPPassPhraseProvider", contexts: .serverConfig, feature: .sftp) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            try ConfigValues.requireAbsolutePath(args[0], what: "passphrase provider")
            return ParsedArguments(args: args, fileChecks: [.regularFile(path: args[0])])
        },

        DirectiveSpec("ProxySFTPServerAlive", feature: .sftp) { args in
            try ConfigValues.requireCount(args, exactly: 2)
            guard let count = ConfigValues.integer(args[0]) else {
                throw DirectiveError.invalidValue(
                    "max count '\(ConfigText.printable(args[0]))' must be a number, 0 or more")
            }
            guard let interval = ConfigValues.integer(args[1]) else {
                throw DirectiveError.invalidValue(
                    "interval '\(ConfigText.printable(args[1]))' must be a number of seconds, 0 or more")
            }
            return ParsedArguments(args: [String(count), String(interval)])
        },

        DirectiveSpec("ProxySFTPServerMatch", multi: true, feature: .sftpServerMatch) { args in
            try serverMatch(args).canonicalArgs
        },

        DirectiveSpec("ProxySFTPVerifyServer", feature: .sftp) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [ConfigValues.onOff(try ConfigValues.requireBoolean(args[0]))])
        },
    ]

    /// A list of the spec's names (`known`), each one the transport speaks
    /// (`implemented`), without repeats.
    private static func algorithmList(_ name: String, known: [String], implemented: Set<String>,
                                      what: String) -> DirectiveSpec {
        DirectiveSpec(name, feature: .sftp) { args in
            try ConfigValues.requireCount(args, atLeast: 1)
            var seen: Set<String> = []
            for algorithm in args {
                guard known.contains(algorithm) else {
                    throw DirectiveError.invalidValue("unsupported \(what) '\(ConfigText.printable(algorithm))'")
                }
                guard implemented.contains(algorithm) else {
                    throw DirectiveError.invalidValue(
                        "\(what) '\(algorithm)' is not implemented yet by this module's SSH transport"
                            + " (implemented: \(known.filter(implemented.contains).joined(separator: " ")))")
                }
                guard seen.insert(algorithm).inserted else {
                    throw DirectiveError.invalidValue("\(what) '\(algorithm)' is listed twice")
                }
            }
            return ParsedArguments(args: args)
        }
    }

    /// ProxySFTPServerMatch pattern key value [key value ...]
    static func serverMatch(_ args: [String]) throws -> (match: SFTPServerMatch, canonicalArgs: ParsedArguments) {
        if args.count < 3 || (args.count - 1) % 2 != 0 {
            throw DirectiveError.wrongNumberOfParameters(
                expected: "a pattern followed by key/value pairs", got: args.count)
        }
        let pattern = args[0]
        if let problem = RegexSyntax.compileError(pattern, false) {
            throw DirectiveError.invalidValue("'\(ConfigText.printable(pattern))' failed regex compilation: \(problem)")
        }
        var pessimisticNewkeys: Bool?
        var canonical = [pattern]
        var index = 1
        while index + 1 < args.count {
            let key = args[index], value = args[index + 1]
            guard key == "pessimisticNewkeys" else {
                throw DirectiveError.invalidValue(
                    "unknown ProxySFTPServerMatch key '\(ConfigText.printable(key))' (expected pessimisticNewkeys)")
            }
            let flag = try ConfigValues.requireBoolean(value)
            pessimisticNewkeys = flag
            canonical += [key, ConfigValues.onOff(flag)]
            index += 2
        }
        return (SFTPServerMatch(pattern: pattern, pessimisticNewkeys: pessimisticNewkeys),
                ParsedArguments(args: canonical))
    }
}
