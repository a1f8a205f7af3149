/// ProxyOptions flags.
public struct ProxyOptions: ConfigOptionSet, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let allowForeignAddress = ProxyOptions(rawValue: 1 << 0)
    public static let ignoreForeignAddress = ProxyOptions(rawValue: 1 << 1)
    public static let ignoreConfigPerms = ProxyOptions(rawValue: 1 << 2)
    public static let showFeatures = ProxyOptions(rawValue: 1 << 3)
    public static let useDirectDataTransfers = ProxyOptions(rawValue: 1 << 4)
    public static let useProxyProtocolV1 = ProxyOptions(rawValue: 1 << 5)
    public static let useProxyProtocolV2 = ProxyOptions(rawValue: 1 << 6)
    public static let useProxyProtocolV2TLVs = ProxyOptions(rawValue: 1 << 7)
    public static let useReverseProxyAuth = ProxyOptions(rawValue: 1 << 8)

    public static let optionKindName = "ProxyOption"
    public static let keywords: [(keyword: String, option: ProxyOptions)] = [
        ("AllowForeignAddress", .allowForeignAddress),
        ("IgnoreForeignAddress", .ignoreForeignAddress),
        ("IgnoreConfigPerms", .ignoreConfigPerms),
        ("ShowFeatures", .showFeatures),
        ("UseDirectDataTransfers", .useDirectDataTransfers),
        ("UseProxyProtocolV1", .useProxyProtocolV1),
        ("UseProxyProtocol", .useProxyProtocolV1), // upstream's older spelling
        ("UseProxyProtocolV2", .useProxyProtocolV2),
        ("UseProxyProtocolV2TLVs", .useProxyProtocolV2TLVs),
        ("UseReverseProxyAuth", .useReverseProxyAuth),
    ]
}

/// ProxyTLSOptions flags.
public struct TLSOptions: ConfigOptionSet, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let allowWeakSecurity = TLSOptions(rawValue: 1 << 0)
    public static let enableDiags = TLSOptions(rawValue: 1 << 1)
    public static let noSessionCache = TLSOptions(rawValue: 1 << 2)
    public static let noSessionTickets = TLSOptions(rawValue: 1 << 3)

    public static let optionKindName = "ProxyTLSOption"
    public static let keywords: [(keyword: String, option: TLSOptions)] = [
        ("AllowWeakSecurity", .allowWeakSecurity),
        ("EnableDiags", .enableDiags),
        ("NoSessionCache", .noSessionCache),
        ("NoSessionTickets", .noSessionTickets),
    ]
}

/// ProxySFTPOptions flags.
public struct SFTPOptions: ConfigOptionSet, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let allowWeakDH = SFTPOptions(rawValue: 1 << 0)
    public static let noExtensionNegotiation = SFTPOptions(rawValue: 1 << 1)
    public static let noHostkeyRotation = SFTPOptions(rawValue: 1 << 2)
    public static let noStrictKex = SFTPOptions(rawValue: 1 << 3)
    public static let oldProtocolCompat = SFTPOptions(rawValue: 1 << 4)
    public static let pessimisticKexinit = SFTPOptions(rawValue: 1 << 5)

    public static let optionKindName = "ProxySFTPOption"
    public static let keywords: [(keyword: String, option: SFTPOptions)] = [
        ("AllowWeakDH", .allowWeakDH),
        ("NoExtensionNegotiation", .noExtensionNegotiation),
        ("NoHostkeyRotation", .noHostkeyRotation),
        ("NoStrictKex", .noStrictKex),
        ("OldProtocolCompat", .oldProtocolCompat),
        ("PessimisticKexinit", .pessimisticKexinit),
    ]

    /// OldProtocolCompat implies PessimisticKexinit (RFC 4253 section 5.1).
    var withImpliedOptions: SFTPOptions {
        contains(.oldProtocolCompat) ? union(.pessimisticKexinit) : self
    }
}

/// SSL/TLS protocol versions (ProxyTLSProtocol).
public struct TLSProtocols: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let sslV3 = TLSProtocols(rawValue: 1 << 0)
    public static let tlsV1 = TLSProtocols(rawValue: 1 << 1)
    public static let tlsV1_1 = TLSProtocols(rawValue: 1 << 2)
    public static let tlsV1_2 = TLSProtocols(rawValue: 1 << 3)
    public static let tlsV1_3 = TLSProtocols(rawValue: 1 << 4)

    /// What "ALL" expands to.
    public static let all: TLSProtocols = [.sslV3, .tlsV1, .tlsV1_1, .tlsV1_2, .tlsV1_3]
    /// Upstream's default: TLSv1 to TLSv1.3.
    public static let defaultSet: TLSProtocols = [.tlsV1, .tlsV1_1, .tlsV1_2, .tlsV1_3]

    /// Canonical names, oldest first.
    static let names: [(name: String, value: TLSProtocols)] = [
        ("SSLv3", .sslV3), ("TLSv1", .tlsV1), ("TLSv1.1", .tlsV1_1), ("TLSv1.2", .tlsV1_2), ("TLSv1.3", .tlsV1_3),
    ]

    /// One protocol name, any case; "TLSv1.0" is TLSv1.
    static func named(_ text: String) -> TLSProtocols? {
        if ASCII.equalsIgnoringCase(text, "TLSv1.0") { return .tlsV1 }
        return names.first(where: { ASCII.equalsIgnoringCase($0.name, text) })?.value
    }

    public var protocolNames: [String] { Self.names.filter { contains($0.value) }.map(\.name) }
}
