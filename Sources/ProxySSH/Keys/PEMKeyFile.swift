import COpenSSLCrypto

/// PEM private keys read by OpenSSL: PKCS#1 RSA, SEC1 EC, PKCS#8 (plain and
/// encrypted), and the legacy encrypted PEM ("Proc-Type: 4,ENCRYPTED").
enum PEMKeyFile {
    static func isEncrypted(_ text: String) -> Bool {
        text.contains("Proc-Type: 4,ENCRYPTED") || text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    }

    static func load(_ text: String, passphrase: [UInt8]?) throws -> PrivateKey {
        let encrypted = isEncrypted(text)
        if encrypted && (passphrase ?? []).isEmpty {
            throw PrivateKeyError("the PEM key is encrypted and no passphrase was given")
        }
        let bytes = Array(text.utf8)
        // OpenSSL's default callback would prompt on the terminal: ours
        // hands over the passphrase, or nothing.
        var secret = passphrase ?? []
        let pkey = bytes.withUnsafeBytes { text -> OpaquePointer? in
            // The BIO reads `text` in place, so it lives only inside this closure.
            guard let bio = BIO_new_mem_buf(text.baseAddress, Int32(text.count)) else { return nil }
            defer { BIO_free(bio) }
            return secret.withUnsafeMutableBufferPointer { buf -> OpaquePointer? in
                var box = (buf.baseAddress, buf.count)
                return withUnsafeMutablePointer(to: &box) { boxPointer in
                    PEM_read_bio_PrivateKey(bio, nil, { out, size, _, user in
                        guard let out, let user else { return -1 }
                        let (p, n) = user.load(as: (UnsafeMutablePointer<UInt8>?, Int).self)
                        guard let p, n > 0, n <= Int(size) else { return -1 }
                        UnsafeMutableRawPointer(out).copyMemory(from: p, byteCount: n)
                        return Int32(n)
                    }, boxPointer)
                }
            }
        }
        for i in secret.indices { secret[i] = 0 }
        guard let pkey else {
            ERR_clear_error()
            throw PrivateKeyError(encrypted ? "wrong passphrase, or the encrypted PEM key is corrupt"
                                            : "the PEM key is corrupt or of an unknown kind")
        }
        return try PrivateKey(pkey: pkey)
    }
}
