/// mod_proxy_protocol's settings, with upstream defaults.
public struct ProxyProtocolSettings: Hashable, Sendable {
    /// ProxyProtocolVersion: which header to expect.
    public enum Version: String, ConfigKeyword {
        case haproxyV1
        case haproxyV2
        /// Extension: accept either, told apart by the first bytes.
        case auto
    }

    /// ProxyProtocolOptions flags.
    public struct Options: ConfigOptionSet, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Switch to the vhost of the proxied destination address.
        public static let useProxiedServerAddress = Options(rawValue: 1 << 0)

        public static let optionKindName = "ProxyProtocolOption"
        public static let keywords: [(keyword: String, option: Options)] = [
            ("UseProxiedServerAddress", .useProxiedServerAddress),
        ]
    }

    public var engine = false
    public var ignore = false
    public var options: Options = []
    public var timeout = TimeoutDuration(seconds: 3)
    public var version: Version = .haproxyV1

    public init() {}

    /// Builds settings from stored records in config order; mod_proxy
    /// records are skipped. Throws `ConfigRecordError`.
    public init(records: [(name: String, args: [String])]) throws {
        self.init()
        try forEachRecord(records, module: .proxyProtocol) { name, args in
            let first = args.first ?? ""
            switch name {
            case "ProxyProtocolEngine": engine = ConfigValues.boolean(first) ?? false
            case "ProxyProtocolIgnore": ignore = ConfigValues.boolean(first) ?? false
            case "ProxyProtocolOptions": options.formUnion(try Options.parse(args).options)
            case "ProxyProtocolTimeout": timeout = TimeoutDuration(seconds: Int(first) ?? 3)
            case "ProxyProtocolVersion": version = Version.matching(first) ?? .haproxyV1
            default: break
            }
        }
    }
}
