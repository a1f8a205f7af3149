import CProFTPD
import CShims
import Glibc
import ProxyCore

/// The SSL_CTX for TLS toward backends, built from the ProxyTLS* settings of
/// one server. Built in the daemon before it forks, so sessions do not read
/// certificate files or CA stores each time (the C module parses its CA
/// bundle in every session).
final class TLSClientContext {
    /// Without ProxyTLSCACertificateFile/Path: OpenSSL's default locations,
    /// on Debian the ca-certificates store in /etc/ssl/certs (hashed lookup,
    /// so nothing is parsed until a chain needs it).
    static let defaultCAStore = "/etc/ssl/certs (OpenSSL's default verify paths)"

    let ctx: OpaquePointer
    let settings: TLSSettings

    private init(ctx: OpaquePointer, settings: TLSSettings) {
        self.ctx = ctx
        self.settings = settings
    }

    deinit {
        TLSPreSharedKeys.forget(ctx)
        SSL_CTX_free(ctx)
    }

    /// Builds the context; throws a TLSFailure naming the directive at fault.
    static func make(_ settings: TLSSettings) throws -> TLSClientContext {
        OpenSSLError.clear()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw TLSFailure(description: "unable to create a TLS context: \(OpenSSLError.drain())")
        }
        let context = TLSClientContext(ctx: ctx, settings: settings)
        try context.configureProtocols()
        try context.configureCiphers()
        try context.configureVerification()
        try context.configureClientCertificate()
        try TLSPreSharedKeys.install(settings.preSharedKeys, on: ctx)
        // ALPN: we speak FTP (RFC 7301 registry: "ftp").
        let alpn: [UInt8] = [3] + Array("ftp".utf8)
        _ = alpn.withUnsafeBufferPointer { SSL_CTX_set_alpn_protos(ctx, $0.baseAddress, UInt32($0.count)) }
        // Client-side sessions are kept by the module (data connections
        // resume the control connection's session).
        _ = mps_ssl_ctx_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE))
        mps_ssl_ctx_set_client_options(ctx, settings.options.contains(.noSessionTickets) ? 1 : 0)
        if settings.options.contains(.enableDiags) {
            SSL_CTX_set_info_callback(ctx, TLSDiagnostics.callback)
        }
        if settings.options.contains(.allowWeakSecurity) {
            SSL_CTX_set_security_level(ctx, 0)
        }
        return context
    }

    private func configureProtocols() throws {
        guard let span = settings.protocols.versionSpan else {
            throw TLSFailure(description: "ProxyTLSProtocol: no protocol left to use")
        }
        guard mps_ssl_ctx_set_proto_range(ctx, Self.version(span.lowest), Self.version(span.highest)) == 1 else {
            throw TLSFailure(description: "ProxyTLSProtocol: OpenSSL refused \(settings.protocols.protocolNames.joined(separator: " ")): \(OpenSSLError.drain())")
        }
        for gap in span.gaps { mps_ssl_ctx_disable_version(ctx, Self.version(gap)) }
    }

    private func configureCiphers() throws {
        guard SSL_CTX_set_cipher_list(ctx, settings.effectiveCipherList) == 1 else {
            throw TLSFailure(description: "ProxyTLSCipherSuite: no usable cipher in '\(settings.effectiveCipherList)': \(OpenSSLError.drain())")
        }
        if let suites = settings.tls13CipherSuites, SSL_CTX_set_ciphersuites(ctx, suites) != 1 {
            throw TLSFailure(description: "ProxyTLSCipherSuite TLSv1.3: no usable ciphersuite in '\(suites)': \(OpenSSLError.drain())")
        }
    }

    private func configureVerification() throws {
        if settings.caCertificateFile != nil || settings.caCertificatePath != nil {
            guard SSL_CTX_load_verify_locations(ctx, settings.caCertificateFile, settings.caCertificatePath) == 1 else {
                let which = settings.caCertificateFile.map { "ProxyTLSCACertificateFile '\($0)'" }
                    ?? "ProxyTLSCACertificatePath '\(settings.caCertificatePath ?? "")'"
                throw TLSFailure(description: "\(which): unable to load CA certificates: \(OpenSSLError.drain())")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(ctx)
            OpenSSLError.clear()
        }
        try configureRevocation()
        SSL_CTX_set_verify(ctx, settings.verifyServer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
    }

    /// ProxyTLSCARevocationFile/Path: CRLs added to the trust store (the CAs
    /// stay), and checked for every certificate of the chain.
    private func configureRevocation() throws {
        guard settings.caRevocationFile != nil || settings.caRevocationPath != nil,
              let store = SSL_CTX_get_cert_store(ctx) else { return }
        if let file = settings.caRevocationFile {
            guard let lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file()),
                  X509_load_crl_file(lookup, file, X509_FILETYPE_PEM) > 0 else {
                throw TLSFailure(description: "ProxyTLSCARevocationFile '\(file)': no CRL could be loaded: \(OpenSSLError.drain())")
            }
        }
        if let path = settings.caRevocationPath {
            // A hashed directory (c_rehash): CRLs are looked up by issuer as needed.
            guard let lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir()),
                  mps_x509_lookup_add_dir(lookup, path) == 1 else {
                throw TLSFailure(description: "ProxyTLSCARevocationPath '\(path)': \(OpenSSLError.drain())")
            }
        }
        _ = X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
    }

    private func configureClientCertificate() throws {
        guard let certificate = settings.certificateFile else {
            // Without a certificate, note a backend's request for one, so
            // its refusal can be explained (TLSHandshakeFailure).
            SSL_CTX_set_client_cert_cb(ctx, ClientCertificateRequest.callback)
            return
        }
        guard SSL_CTX_use_certificate_chain_file(ctx, certificate) == 1 else {
            throw TLSFailure(description: "ProxyTLSCertificateFile '\(certificate)': \(OpenSSLError.drain())")
        }
        let key = settings.certificateKeyFile ?? certificate
        guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
            throw TLSFailure(description: "ProxyTLSCertificateKeyFile '\(key)': \(OpenSSLError.drain())")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSFailure(description: "ProxyTLSCertificateKeyFile '\(key)' does not match ProxyTLSCertificateFile '\(certificate)': \(OpenSSLError.drain())")
        }
    }

    private static func version(_ proto: TLSProtocols) -> Int32 {
        switch proto {
        case .sslV3: return SSL3_VERSION
        case .tlsV1: return TLS1_VERSION
        case .tlsV1_1: return TLS1_1_VERSION
        case .tlsV1_2: return TLS1_2_VERSION
        default: return TLS1_3_VERSION
        }
    }
}

/// The contexts of the daemon's servers, built at core.postparse (before
/// the daemon forks) and inherited by every session process.
enum TLSClientContexts {
    private static var byServer: [Int: TLSClientContext] = [:]
    private static var failures: [Int: String] = [:]

    /// (Re)builds the context for a server; returns why it could not be
    /// built (the reason names the directive), which sessions report too.
    @discardableResult
    static func prepare(serverID: Int, settings: TLSSettings) -> String? {
        byServer[serverID] = nil
        failures[serverID] = nil
        do {
            byServer[serverID] = try TLSClientContext.make(settings)
            return nil
        } catch {
            failures[serverID] = "\(error)"
            return "\(error)"
        }
    }

    static func reset() {
        byServer = [:]
        failures = [:]
    }

    /// The server's context, built now if the master did not (e.g. the
    /// settings of a <VirtualHost> the master skipped).
    static func context(serverID: Int, settings: TLSSettings) throws -> TLSClientContext {
        if let context = byServer[serverID], context.settings == settings { return context }
        if let failure = failures[serverID] { throw TLSFailure(description: failure) }
        let context = try TLSClientContext.make(settings)
        byServer[serverID] = context
        return context
    }
}
