/// The ProxyTLS* directives, with upstream defaults.
public struct TLSSettings: Hashable, Sendable {
    public static let defaultCipherSuite = "DEFAULT:!ADH:!EXPORT:!DES"

    public var engine: TLSEngineMode = .auto
    public var verifyServer = true
    public var transferProtectionPolicy: TLSTransferProtectionPolicy = .required
    /// nil: mod_proxy's bundled CA file.
    public var caCertificateFile: String?
    public var caCertificatePath: String?
    public var caRevocationFile: String?
    public var caRevocationPath: String?
    public var certificateFile: String?
    public var certificateKeyFile: String?
    /// The configured cipher list for TLSv1.2 and older (nil: the default).
    public var cipherSuite: String?
    /// The configured TLSv1.3 ciphersuites (nil: OpenSSL's default).
    public var tls13CipherSuites: String?
    public var options: TLSOptions = []
    public var preSharedKeys: [TLSPreSharedKey] = []
    public var protocols: TLSProtocols = .defaultSet
    public var handshakeTimeout = TimeoutDuration(seconds: 30)

    public init() {}

    /// The list to hand to SSL_CTX_set_cipher_list: the default as is; a
    /// configured list prefixed with "!EXPORT:" (upstream Bug#4163) unless it
    /// is a "PROFILE=" system profile.
    public var effectiveCipherList: String {
        guard let cipherSuite else { return Self.defaultCipherSuite }
        return cipherSuite.hasPrefix("PROFILE=") ? cipherSuite : "!EXPORT:" + cipherSuite
    }
}

/// ProxyTLSPreSharedKey identity hex:path.
public struct TLSPreSharedKey: Hashable, Sendable {
    public let identity: String
    /// The key file; its content is hex-encoded key data (at least 20 bytes).
    public let keyPath: String
}
