import COpenSSLCrypto

/// ecdh-sha2-nistp256/384/521 (RFC 5656): uncompressed points as strings;
/// OpenSSL checks the server's point is on the curve when it decodes it.
final class ECDHAgreement: KeyAgreement {
    enum Curve: String {
        case p256 = "P-256", p384 = "P-384", p521 = "P-521"
    }

    let publicValueIsMPInt = false
    let clientPublic: [UInt8]
    private let curve: Curve
    private let key: OpaquePointer

    init(curve: Curve) throws {
        self.curve = curve
        guard let k = sshc_ec_generate(curve.rawValue) else { throw CryptoError("ECDH \(curve.rawValue) keygen") }
        key = k
        var p: UnsafeMutablePointer<UInt8>?
        let n = EVP_PKEY_get1_encoded_public_key(k, &p)
        guard n > 0, let p else { throw CryptoError("ECDH public point") }
        clientPublic = Array(UnsafeBufferPointer(start: p, count: n))
        CRYPTO_free(p, #fileID, #line)
    }

    deinit { EVP_PKEY_free(key) }

    func sharedSecret(serverPublic: [UInt8]) throws -> [UInt8] {
        guard serverPublic.first == 4, let peer = sshc_ec_public_key(curve.rawValue, serverPublic, serverPublic.count) else {
            ERR_clear_error()
            throw KeyExchangeError("ECDH \(curve.rawValue): the server's public value is not an uncompressed point on the curve")
        }
        defer { EVP_PKEY_free(peer) }
        return try evpDerive(ours: key, peer: peer, what: "ECDH \(curve.rawValue)")
    }
}
