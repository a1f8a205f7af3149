import COpenSSLCrypto

/// OpenSSH's own private key format ("openssh-key-v1", PROTOCOL.key), as
/// ssh-keygen writes host keys by default: unencrypted Ed25519 keys are read;
/// anything else gets an error saying how to convert it.
enum OpenSSHKeyFile {
    static let magic = Array("openssh-key-v1\u{0}".utf8)

    static func ed25519Key(_ blob: [UInt8]) throws -> OpaquePointer {
        guard blob.starts(with: magic) else { throw HostKeyError("not an openssh-key-v1 key") }
        var r = SSHReader(blob[magic.count...])
        let cipher = try r.text("cipher name", limit: 64)
        _ = try r.text("kdf name", limit: 64)
        _ = try r.string("kdf options", limit: 1024)
        guard cipher == "none" else {
            throw HostKeyError("encrypted OpenSSH key (\(cipher)): remove the passphrase or use ssh-agent (agent:)")
        }
        guard try r.uint32("number of keys") == 1 else { throw HostKeyError("an OpenSSH key file with several keys") }
        _ = try r.string("public key", limit: 16 * 1024)
        var p = SSHReader(try r.string("private section", limit: 64 * 1024))
        guard try p.uint32("check 1") == (try p.uint32("check 2")) else { throw HostKeyError("OpenSSH key check bytes differ") }
        let type = try p.text("key type", limit: 64)
        guard type == "ssh-ed25519" else {
            throw HostKeyError("OpenSSH-format \(type) keys are not read: convert with ssh-keygen -p -m PEM, or use agent:")
        }
        _ = try p.string("Ed25519 public key", limit: 64)
        let secret = try p.string("Ed25519 private key", limit: 64)
        guard secret.count == 64, let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, Array(secret[0..<32]), 32) else {
            throw HostKeyError("Ed25519 private key is not 64 bytes")
        }
        return key
    }
}
