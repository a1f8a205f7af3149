/// The 5 mod_proxy_protocol directives.
enum ProxyProtocolDirectiveSpecs {
    static let all: [DirectiveSpec] = [
        DirectiveSpec("ProxyProtocolEngine", module: .proxyProtocol) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [ConfigValues.onOff(try ConfigValues.requireBoolean(args[0]))])
        },

        DirectiveSpec("ProxyProtocolIgnore", module: .proxyProtocol) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [ConfigValues.onOff(try ConfigValues.requireBoolean(args[0]))])
        },

        DirectiveSpec("ProxyProtocolOptions", module: .proxyProtocol) { args in
            try ConfigValues.requireCount(args, atLeast: 1)
            return ParsedArguments(args: try ProxyProtocolSettings.Options.parse(args).canonical)
        },

        DirectiveSpec("ProxyProtocolTimeout", module: .proxyProtocol) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            return ParsedArguments(args: [String(try ConfigValues.duration(args[0]))])
        },

        DirectiveSpec("ProxyProtocolVersion", module: .proxyProtocol) { args in
            try ConfigValues.requireCount(args, exactly: 1)
            let version = try ConfigValues.keyword(args[0], ProxyProtocolSettings.Version.self,
                                                   what: "protocol/version")
            return ParsedArguments(args: [version.rawValue])
        },
    ]
}
