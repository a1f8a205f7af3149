import COpenSSLCrypto

/// OpenSSH's own private key format ("openssh-key-v1", PROTOCOL.key), plain
/// or encrypted with bcrypt_pbkdf and AES (CTR, CBC, GCM) as ssh-keygen
/// writes it.
enum OpenSSHKeyFile {
    static let beginMarker = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let endMarker = "-----END OPENSSH PRIVATE KEY-----"
    private static let magic = Array("openssh-key-v1".utf8) + [0]

    /// The file's binary content between its armor lines.
    static func unarmor(_ text: String) throws -> [UInt8] {
        let bytes = Array(text.utf8)
        guard let begin = bytes.firstRange(of: Array(beginMarker.utf8)), let end = bytes.firstRange(of: Array(endMarker.utf8)),
              begin.upperBound <= end.lowerBound else {
            throw PrivateKeyError("no \(beginMarker) ... \(endMarker) block")
        }
        guard let blob = Base64.decode(bytes[begin.upperBound..<end.lowerBound]) else {
            throw PrivateKeyError("the OPENSSH PRIVATE KEY block is not valid base64")
        }
        return blob
    }

    /// Whether the key needs a passphrase (its cipher is not "none").
    static func isEncrypted(_ blob: [UInt8]) throws -> Bool {
        var r = try header(blob)
        return try r.text("cipher name", limit: 64) != "none"
    }

    static func load(_ blob: [UInt8], passphrase: [UInt8]?) throws -> PrivateKey {
        do {
            return try parse(blob, passphrase: passphrase)
        } catch let e as SSHWireError {
            throw PrivateKeyError("openssh-key-v1 key is malformed: \(e)")
        }
    }

    private static func header(_ blob: [UInt8]) throws -> SSHReader {
        guard blob.count >= magic.count, Array(blob[0..<magic.count]) == magic else {
            throw PrivateKeyError("not an openssh-key-v1 key (its magic is missing)")
        }
        return SSHReader(blob[magic.count...])
    }

    private static func parse(_ blob: [UInt8], passphrase: [UInt8]?) throws -> PrivateKey {
        var r = try header(blob)
        let cipherName = try r.text("cipher name", limit: 64)
        let kdfName = try r.text("KDF name", limit: 64)
        let kdfOptions = try r.string("KDF options", limit: 1024)
        let count = try r.uint32("key count")
        guard count == 1 else { throw PrivateKeyError("the file holds \(count) keys; one key per file is supported") }
        let publicBlob = try r.string("public key", limit: 16 * 1024)
        var secret = try r.string("private section", limit: 64 * 1024)
        let cipher = try KeyFileCipher(name: cipherName)
        let tag = try r.raw(cipher.tagLength, "authentication tag")
        try r.expectEnd("openssh-key-v1 key")

        if cipherName != "none" {
            guard kdfName == "bcrypt" else { throw PrivateKeyError("KDF \(kdfName) is not supported (only bcrypt)") }
            guard let passphrase, !passphrase.isEmpty else {
                throw PrivateKeyError("the key is encrypted (\(cipherName)) and no passphrase was given")
            }
            var k = SSHReader(kdfOptions)
            let salt = try k.string("bcrypt salt", limit: 1024)
            let rounds = Int(try k.uint32("bcrypt rounds"))
            try k.expectEnd("bcrypt options")
            let material = try BcryptPBKDF.derive(passphrase: passphrase, salt: salt, rounds: rounds,
                                                  length: cipher.keyLength + cipher.ivLength)
            secret = try cipher.decrypt(secret, key: Array(material[0..<cipher.keyLength]),
                                        iv: Array(material[cipher.keyLength...]), tag: tag)
        } else if kdfName != "none" {
            throw PrivateKeyError("an unencrypted key names KDF \(kdfName)")
        }
        guard secret.count % cipher.blockSize == 0 else {
            throw PrivateKeyError("the private section is not a multiple of the \(cipherName) block size")
        }

        var s = SSHReader(secret)
        let check1 = try s.uint32("check word"), check2 = try s.uint32("check word")
        guard check1 == check2 else {
            throw PrivateKeyError(cipherName == "none" ? "the private section is corrupt (check words differ)" : "wrong passphrase (check words differ after decryption)")
        }
        let type = try s.text("key type", limit: 64)
        let key: PrivateKey
        switch type {
        case "ssh-ed25519":
            let pk = try s.string("Ed25519 public key", limit: 64)
            let sk = try s.string("Ed25519 secret key", limit: 128)
            key = try KeyComponents.ed25519(publicKey: pk, secret: sk, comment: try s.text("comment"))
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            let curve = try s.text("ECDSA curve", limit: 32)
            guard type == "ecdsa-sha2-" + curve else { throw PrivateKeyError("ECDSA key of type \(type) names curve \(curve)") }
            let point = try s.string("ECDSA public point", limit: 256)
            let scalar = try s.positiveMPInt("ECDSA private scalar", maxBits: 528)
            key = try KeyComponents.ecdsa(curve: curve, point: point, scalar: scalar, comment: try s.text("comment"))
        case "ssh-rsa":
            let n = try s.positiveMPInt("RSA modulus"), e = try s.positiveMPInt("RSA exponent", maxBits: 64)
            let d = try s.positiveMPInt("RSA private exponent"), iqmp = try s.positiveMPInt("RSA iqmp")
            let p = try s.positiveMPInt("RSA p"), q = try s.positiveMPInt("RSA q")
            key = try KeyComponents.rsa(n: n, e: e, d: d, iqmp: iqmp, p: p, q: q, comment: try s.text("comment"))
        default:
            throw PrivateKeyError("key type \(type) is not supported (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)")
        }
        // The padding is 1, 2, 3, ... up to the block size.
        var pad: UInt8 = 1
        while !s.isAtEnd {
            guard try s.byte("padding") == pad else { throw PrivateKeyError("the private section's padding is corrupt") }
            pad &+= 1
        }
        guard key.publicKeyBlob == publicBlob else {
            throw PrivateKeyError("the private key does not match the public key stored with it")
        }
        return key
    }
}

/// The ciphers ssh-keygen can protect a key file with (`ssh-keygen -Z`).
struct KeyFileCipher {
    let keyLength: Int, ivLength: Int, blockSize: Int, tagLength: Int
    private let evp: OpaquePointer?
    private let isChaChaPoly: Bool

    init(name: String) throws {
        isChaChaPoly = name == "chacha20-poly1305@openssh.com"
        switch name {
        case "none": (keyLength, ivLength, blockSize, tagLength, evp) = (0, 0, 8, 0, nil)
        case "aes128-ctr": (keyLength, ivLength, blockSize, tagLength, evp) = (16, 16, 16, 0, EVP_aes_128_ctr())
        case "aes192-ctr": (keyLength, ivLength, blockSize, tagLength, evp) = (24, 16, 16, 0, EVP_aes_192_ctr())
        case "aes256-ctr": (keyLength, ivLength, blockSize, tagLength, evp) = (32, 16, 16, 0, EVP_aes_256_ctr())
        case "aes128-cbc": (keyLength, ivLength, blockSize, tagLength, evp) = (16, 16, 16, 0, EVP_aes_128_cbc())
        case "aes192-cbc": (keyLength, ivLength, blockSize, tagLength, evp) = (24, 16, 16, 0, EVP_aes_192_cbc())
        case "aes256-cbc": (keyLength, ivLength, blockSize, tagLength, evp) = (32, 16, 16, 0, EVP_aes_256_cbc())
        case "aes128-gcm@openssh.com": (keyLength, ivLength, blockSize, tagLength, evp) = (16, 12, 16, 16, EVP_aes_128_gcm())
        case "aes256-gcm@openssh.com": (keyLength, ivLength, blockSize, tagLength, evp) = (32, 12, 16, 16, EVP_aes_256_gcm())
        case "chacha20-poly1305@openssh.com": (keyLength, ivLength, blockSize, tagLength, evp) = (64, 0, 8, 16, nil)
        default:
            throw PrivateKeyError("key file cipher \(name) is not supported (aes128/192/256-ctr, -cbc, aes128/256-gcm@openssh.com, chacha20-poly1305@openssh.com)")
        }
    }

    func decrypt(_ data: [UInt8], key: [UInt8], iv: [UInt8], tag: [UInt8]) throws -> [UInt8] {
        if isChaChaPoly { return try KeyFileChaChaPoly.open(data, key: key, tag: tag) }
        guard let evp else { return data }
        guard data.count % blockSize == 0 else { throw PrivateKeyError("the encrypted private section is not whole cipher blocks") }
        let ctx = try EVPCipherContext(cipher: evp, key: key, iv: iv, encrypt: false)
        _ = EVP_CIPHER_CTX_set_padding(ctx.ctx, 0)
        var out = data
        try out.transform(0..<out.count, with: ctx)
        if tagLength > 0 {
            var t = tag
            guard ctx.control(EVP_CTRL_GCM_SET_TAG, Int32(tagLength), &t), ctx.finish() else {
                ERR_clear_error()
                throw PrivateKeyError("wrong passphrase (the key file's GCM tag does not verify)")
            }
        }
        return out
    }
}
