import COpenSSLCrypto

/// curve25519-sha256 (RFC 8731): 32-byte public values as strings; the
/// X25519 output, read as a big-endian number, is K. An all-zero output
/// (a low-order server point) is refused, as the RFC requires.
final class X25519Agreement: KeyAgreement {
    let publicValueIsMPInt = false
    let clientPublic: [UInt8]
    private let key: OpaquePointer

    init() throws {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nil) else { throw CryptoError("X25519 context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var k: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &k) == 1, let k else {
            throw CryptoError("X25519 keygen")
        }
        key = k
        clientPublic = try Self.publicBytes(k)
    }

    /// A fixed private key, for known-answer tests.
    init(privateKey: [UInt8]) throws {
        guard let k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, privateKey, privateKey.count) else {
            throw CryptoError("X25519 private key")
        }
        key = k
        clientPublic = try Self.publicBytes(k)
    }

    deinit { EVP_PKEY_free(key) }

    private static func publicBytes(_ k: OpaquePointer) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var n = 32
        guard EVP_PKEY_get_raw_public_key(k, &out, &n) == 1, n == 32 else { throw CryptoError("X25519 public key") }
        return out
    }

    func sharedSecret(serverPublic: [UInt8]) throws -> [UInt8] {
        guard serverPublic.count == 32 else {
            throw KeyExchangeError("X25519: the server's public value has \(serverPublic.count) bytes, not 32")
        }
        guard let peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, serverPublic, 32) else {
            throw CryptoError("X25519 server key")
        }
        defer { EVP_PKEY_free(peer) }
        let secret = try evpDerive(ours: key, peer: peer, what: "X25519")
        if secret.allSatisfy({ $0 == 0 }) {
            throw KeyExchangeError("X25519: the shared secret is zero (the server sent a low-order point)")
        }
        return secret
    }
}
