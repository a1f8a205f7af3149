/// The ProxySFTP* directives, with upstream defaults.
public struct SFTPSettings: Hashable, Sendable {
    /// nil: the built-in preference lists.
    public var ciphers: [String]?
    public var digests: [String]?
    public var keyExchanges: [String]?
    public var compression: SFTPCompression = .off
    /// Key file paths, or "agent:<socket>" entries.
    public var hostKeys: [String] = []
    public var options: SFTPOptions = []
    public var passPhraseProvider: String?
    public var serverAlive: SFTPServerAlive?
    public var serverMatches: [SFTPServerMatch] = []
    public var verifyServer = false

    public init() {}
}

/// ProxySFTPServerAlive count interval.
public struct SFTPServerAlive: Hashable, Sendable {
    public let maxCount: Int
    public let intervalSeconds: Int
}

/// ProxySFTPServerMatch pattern key value...
public struct SFTPServerMatch: Hashable, Sendable {
    /// POSIX extended regex matched against the server's version banner.
    public let pattern: String
    public let pessimisticNewkeys: Bool?
}
