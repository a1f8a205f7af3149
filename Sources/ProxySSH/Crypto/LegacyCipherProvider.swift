import COpenSSLCrypto

/// Blowfish, CAST5 and RC4 live in OpenSSL 3's legacy provider. It is
/// loaded into a library context of our own, so the process's default
/// context (mod_tls, mod_sftp) and the system's openssl.cnf stay untouched.
/// nil when legacy.so cannot be loaded: those ciphers are then not offered
/// (`SSHAlgorithms.supported` leaves them out).
enum LegacyCipherProvider {
    private static let context: OpaquePointer? = {
        guard let ctx = OSSL_LIB_CTX_new() else { return nil }
        guard OSSL_PROVIDER_load(ctx, "legacy") != nil, OSSL_PROVIDER_load(ctx, "default") != nil else {
            ERR_clear_error()
            OSSL_LIB_CTX_free(ctx)
            return nil
        }
        return ctx
    }()

    /// The cipher by OpenSSL's name ("BF-CBC"), or nil without the provider.
    /// Fetched ciphers are cached by OpenSSL; one reference per name is kept.
    static func cipher(_ name: String) -> OpaquePointer? {
        if let cached = fetched[name] { return cached }
        guard let context, let c = EVP_CIPHER_fetch(context, name, nil) else {
            ERR_clear_error()
            return nil
        }
        fetched[name] = c
        return c
    }

    nonisolated(unsafe) private static var fetched: [String: OpaquePointer] = [:]
}
