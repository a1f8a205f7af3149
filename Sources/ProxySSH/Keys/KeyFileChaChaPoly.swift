import COpenSSLCrypto

/// chacha20-poly1305@openssh.com as ssh-keygen uses it for a key file: the
/// transport's construction at sequence number 0 with no encrypted length
/// (OpenSSH's cipher_crypt with aadlen 0): the first 32 key bytes' block 0
/// gives the Poly1305 key, the tag covers the ciphertext, and the text is
/// encrypted from block counter 1.
enum KeyFileChaChaPoly {
    static func open(_ ciphertext: [UInt8], key: [UInt8], tag: [UInt8]) throws -> [UInt8] {
        guard key.count == 64, tag.count == 16 else { throw PrivateKeyError("chacha20-poly1305 key file parameters are malformed") }
        var iv = [UInt8](repeating: 0, count: 16)  // counter 0, nonce 0
        let stream = try EVPCipherContext(cipher: EVP_chacha20(), key: Array(key[0..<32]), iv: iv, encrypt: true)
        var polyKey = [UInt8](repeating: 0, count: 32)
        try polyKey.transform(0..<32, with: stream)
        guard let mac = sshc_mac_new("POLY1305", nil, polyKey, polyKey.count) else { throw CryptoError("Poly1305 key setup") }
        defer { EVP_MAC_CTX_free(mac) }
        var expected = [UInt8](repeating: 0, count: 16)
        var n = 0
        guard EVP_MAC_update(mac, ciphertext, ciphertext.count) == 1, EVP_MAC_final(mac, &expected, &n, 16) == 1 else {
            throw CryptoError("Poly1305")
        }
        guard tagsEqual(expected, tag[...]) else {
            throw PrivateKeyError("wrong passphrase (the key file's Poly1305 tag does not verify)")
        }
        iv[0] = 1
        try stream.reset(iv: iv)
        var clear = ciphertext
        try clear.transform(0..<clear.count, with: stream)
        return clear
    }
}
