/// Upstream's table of SSH servers with known quirks (mod_proxy's
/// lib/proxy/ssh/interop.c, `known_versions`): the first entry whose
/// pattern matches the backend's software version ("Sun_SSH_1.0" of
/// "SSH-2.0-Sun_SSH_1.0 comments") takes its flags off the standard set.
/// Upstream's patterns are POSIX regexes of two shapes only, `^literal.*`
/// and `.*literal.*`, so they are kept here as prefixes and substrings,
/// compared byte by byte as regexec compares them.
public struct KnownServerVersion: Equatable, Sendable {
    public enum Pattern: Equatable, Sendable {
        /// `^literal.*`
        case prefix(String)
        /// `.*literal.*`
        case contains(String)

        func matches(_ software: [UInt8]) -> Bool {
            switch self {
            case .prefix(let literal):
                let bytes = Array(literal.utf8)
                return software.count >= bytes.count && Array(software[..<bytes.count]) == bytes
            case .contains(let literal):
                let bytes = Array(literal.utf8)
                guard software.count >= bytes.count else { return false }
                return (0...(software.count - bytes.count)).contains { Array(software[$0..<$0 + bytes.count]) == bytes }
            }
        }

        /// Upstream's regex text of this alternative (for the log).
        public var regex: String {
            switch self {
            case .prefix(let l): return "^" + Self.escaped(l) + ".*"
            case .contains(let l): return ".*" + Self.escaped(l) + ".*"
            }
        }

        private static func escaped(_ literal: String) -> String {
            literal.map { $0 == "." ? "\\." : String($0) }.joined()
        }
    }

    /// Any of these matches (upstream's `a|b|c`).
    public let patterns: [Pattern]
    public let disabled: ServerFeatures

    /// What the table says for a software version: the standard features
    /// without the first matching entry's flags, and the alternative that
    /// matched (nil: no entry did).
    public static func lookup(software: String) -> (features: ServerFeatures, matched: Pattern?) {
        let bytes = Array(software.utf8)
        for entry in table {
            if let hit = entry.patterns.first(where: { $0.matches(bytes) }) {
                return (ServerFeatures.standard.subtracting(entry.disabled), hit)
            }
        }
        return (.standard, nil)
    }

    /// The same for a whole identification line ("SSH-2.0-Sun_SSH_1.0 x"):
    /// the software version is what follows "SSH-2.0-"/"SSH-1.99-" up to the
    /// first space; any other line matches nothing.
    public static func lookup(identification line: String) -> (features: ServerFeatures, matched: Pattern?) {
        for prefix in ["SSH-2.0-", "SSH-1.99-"] where line.hasPrefix(prefix) {
            return lookup(software: String(line.dropFirst(prefix.count).prefix(while: { $0 != " " })))
        }
        return (.standard, nil)
    }

    /// The table, in upstream's order (first match wins).
    public static let table: [KnownServerVersion] = [
        KnownServerVersion(patterns: [.prefix("OpenSSH-2.0"), .prefix("OpenSSH-2.1"), .prefix("OpenSSH_2.1"),
                                      .prefix("OpenSSH_2.2"), .prefix("OpenSSH_2.3.0")],
                           disabled: [.userauthBanner, .rekeying, .newGroupExchangeRequest]),
        KnownServerVersion(patterns: [.prefix("OpenSSH_2.3."), .prefix("OpenSSH_2.5.0p1"), .prefix("OpenSSH_2.5.1p1"),
                                      .prefix("OpenSSH_2.5.0"), .prefix("OpenSSH_2.5.1"), .prefix("OpenSSH_2.5.2"),
                                      .prefix("OpenSSH_2.5.3")],
                           disabled: [.rekeying, .newGroupExchangeRequest]),
        KnownServerVersion(patterns: [.prefix("OpenSSH")], disabled: []),
        KnownServerVersion(patterns: [.contains("J2SSH_Maverick")], disabled: [.rekeying]),
        KnownServerVersion(patterns: [.contains("MindTerm")], disabled: []),
        KnownServerVersion(patterns: [.prefix("Sun_SSH_1.0")], disabled: [.rekeying]),
        // "^2\.1 .*" can never match: the software version ends at the first space.
        KnownServerVersion(patterns: [.prefix("2.1.0"), .prefix("2.1 ")],
                           disabled: [.algorithmInDSASignature, .serviceInHostbasedSignature, .fullMACKeyLength]),
        KnownServerVersion(patterns: ["2.0.13", "2.0.14", "2.0.15", "2.0.16", "2.0.17", "2.0.18", "2.0.19"].map { .prefix($0) },
                           disabled: [.algorithmInDSASignature, .serviceInHostbasedSignature,
                                      .serviceInPublicKeySignature, .fullMACKeyLength]),
        KnownServerVersion(patterns: [.prefix("2.0.11"), .prefix("2.0.12")],
                           disabled: [.algorithmInDSASignature, .serviceInPublicKeySignature,
                                      .publicKeyAlgorithm, .fullMACKeyLength]),
        KnownServerVersion(patterns: [.prefix("2.0.")],
                           disabled: [.algorithmInDSASignature, .serviceInPublicKeySignature,
                                      .publicKeyAlgorithm, .cipherKeysUseK, .fullMACKeyLength]),
        KnownServerVersion(patterns: [.prefix("2.2.0"), .prefix("2.3.0")], disabled: [.fullMACKeyLength]),
        KnownServerVersion(patterns: ["1.2.18", "1.2.19", "1.2.20", "1.2.21", "1.2.22", "1.3.2", "3.2.9"].map { .prefix($0) },
                           disabled: [.ignoreMessage]),
        KnownServerVersion(patterns: [.contains("PuTTY"), .contains("PUTTY"), .contains("WinSCP")],
                           disabled: [.noDataWhileRekeying]),
    ]
}
