import COpenSSLCrypto

/// curve25519-sha256 (RFC 8731) and curve448-sha512 (RFC 8731 too): raw
/// public values as strings; the X25519/X448 output, read as a big-endian
/// number, is K. An all-zero output (a low-order server point) is refused,
/// as the RFC requires.
final class MontgomeryCurveAgreement: KeyAgreement {
    enum Curve {
        case x25519, x448

        var keyType: Int32 { self == .x25519 ? EVP_PKEY_X25519 : EVP_PKEY_X448 }
        var keyLength: Int { self == .x25519 ? 32 : 56 }
        var name: String { self == .x25519 ? "X25519" : "X448" }
    }

    let publicValueIsMPInt = false
    let clientPublic: [UInt8]
    let curve: Curve
    private let key: OpaquePointer

    init(curve: Curve = .x25519) throws {
        self.curve = curve
        guard let ctx = EVP_PKEY_CTX_new_id(curve.keyType, nil) else { throw CryptoError("\(curve.name) context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var k: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &k) == 1, let k else {
            throw CryptoError("\(curve.name) keygen")
        }
        key = k
        clientPublic = try Self.publicBytes(k, curve)
    }

    /// A fixed private key, for known-answer tests.
    init(curve: Curve = .x25519, privateKey: [UInt8]) throws {
        self.curve = curve
        guard let k = EVP_PKEY_new_raw_private_key(curve.keyType, nil, privateKey, privateKey.count) else {
            throw CryptoError("\(curve.name) private key")
        }
        key = k
        clientPublic = try Self.publicBytes(k, curve)
    }

    deinit { EVP_PKEY_free(key) }

    private static func publicBytes(_ k: OpaquePointer, _ curve: Curve) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: curve.keyLength)
        var n = curve.keyLength
        guard EVP_PKEY_get_raw_public_key(k, &out, &n) == 1, n == curve.keyLength else {
            throw CryptoError("\(curve.name) public key")
        }
        return out
    }

    func sharedSecret(serverPublic: [UInt8]) throws -> [UInt8] {
        guard serverPublic.count == curve.keyLength else {
            throw KeyExchangeError("\(curve.name): the server's public value has \(serverPublic.count) bytes, not \(curve.keyLength)")
        }
        guard let peer = EVP_PKEY_new_raw_public_key(curve.keyType, nil, serverPublic, serverPublic.count) else {
            throw CryptoError("\(curve.name) server key")
        }
        defer { EVP_PKEY_free(peer) }
        let secret = try evpDerive(ours: key, peer: peer, what: curve.name)
        if secret.allSatisfy({ $0 == 0 }) {
            throw KeyExchangeError("\(curve.name): the shared secret is zero (the server sent a low-order point)")
        }
        return secret
    }
}
