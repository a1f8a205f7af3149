/// The algorithm names this build can negotiate, per kind, for the
/// configuration check: a ProxySFTPCiphers/Digests/KeyExchanges name that
/// is not here fails `proftpd -t` naming the directive (`unsupported(_:in:)`).
public enum SSHAlgorithms {
    public enum Kind: Sendable {
        case cipher, mac, keyExchange, hostKey
    }

    /// Every name of `kind` that works in this process (ciphers of the
    /// legacy provider only when it loads; digests OpenSSL has).
    public static func supported(_ kind: Kind) -> [String] {
        switch kind {
        case .cipher: return CipherAlgorithm.allCases.filter(\.isAvailable).map(\.name)
        case .mac: return MACAlgorithm.allCases.filter(\.isAvailable).map(\.name)
        case .keyExchange: return KexAlgorithm.allCases.map(\.name)
        case .hostKey: return HostKeyAlgorithm.allCases.map(\.name)
        }
    }

    /// The configured names this build cannot offer, in their order.
    public static func unsupported(_ names: [String], in kind: Kind) -> [String] {
        let known = Set(supported(kind))
        return names.filter { !known.contains($0) }
    }
}

extension AlgorithmPreferences {
    /// Preferences from configured lists (nil or empty: the default list),
    /// in the configured order. Names this build does not speak throw, so
    /// a session never offers less than the configuration says.
    /// `allowWeakDH` (ProxySFTPOptions AllowWeakDH) adds
    /// diffie-hellman-group1-sha1 to the default key exchanges, last, as
    /// upstream does; a configured list is taken as it is.
    public init(ciphers: [String]?, macs: [String]?, keyExchanges: [String]?, allowWeakDH: Bool = false) throws {
        self.init()
        func pick<A: RawRepresentable>(_ names: [String]?, _ what: String) throws -> [A]? where A.RawValue == String {
            guard let names, !names.isEmpty else { return nil }
            return try names.map {
                guard let a = A(rawValue: $0) else { throw AlgorithmConfigurationError(kind: what, name: $0) }
                return a
            }
        }
        if let c: [CipherAlgorithm] = try pick(ciphers, "cipher") {
            if let bad = c.first(where: { !$0.isAvailable }) { throw AlgorithmConfigurationError(kind: "cipher", name: bad.name) }
            self.ciphers = c
        }
        if let m: [MACAlgorithm] = try pick(macs, "digest") {
            if let bad = m.first(where: { !$0.isAvailable }) { throw AlgorithmConfigurationError(kind: "digest", name: bad.name) }
            self.macs = m
        }
        if let k: [KexAlgorithm] = try pick(keyExchanges, "key exchange") {
            self.kex = k
        } else if allowWeakDH {
            self.kex.append(.dhGroup1SHA1)
        }
    }
}

/// A configured algorithm this build cannot offer.
public struct AlgorithmConfigurationError: Error, Equatable, CustomStringConvertible {
    public let kind: String
    public let name: String
    public var description: String { "\(kind) algorithm '\(name)' is not supported by this build" }
}
