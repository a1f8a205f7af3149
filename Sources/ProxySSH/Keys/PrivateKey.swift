import COpenSSLCrypto

/// A private key loaded into OpenSSL (Ed25519, ECDSA P-256/384/521, RSA):
/// its public blob and the SSH signatures it makes.
public final class PrivateKey: SSHSigningKey {
    let pkey: OpaquePointer
    public let keyType: String
    public let publicKeyBlob: [UInt8]
    /// From the key file (openssh-key-v1 keeps one), for log lines.
    public let comment: String

    /// Takes ownership of `pkey`.
    init(pkey: OpaquePointer, comment: String = "") throws {
        self.pkey = pkey
        self.comment = comment
        do {
            (keyType, publicKeyBlob) = try Self.publicBlob(of: pkey)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    public func sign(_ data: [UInt8], algorithm: HostKeyAlgorithm) throws -> [UInt8] {
        guard algorithm.keyType == keyType else {
            throw PrivateKeyError("a \(keyType) key cannot sign as \(algorithm.name)")
        }
        // By name, so algorithms added to HostKeyAlgorithm for the transport
        // only (ssh-dss) fall to the refusal rather than break this switch.
        let digest: HashFunction?
        switch algorithm.name {
        case "ssh-ed25519": digest = nil
        case "ecdsa-sha2-nistp256", "rsa-sha2-256": digest = .sha256
        case "ecdsa-sha2-nistp384": digest = .sha384
        case "ecdsa-sha2-nistp521", "rsa-sha2-512": digest = .sha512
        case "ssh-rsa": digest = .sha1
        default: throw PrivateKeyError("signing as \(algorithm.name) is not supported")
        }
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, digest?.md, nil, pkey) == 1 else { throw CryptoError("signature setup") }
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, data, data.count) == 1 else { throw CryptoError("signature size") }
        var sig = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &sig, &length, data, data.count) == 1 else { throw CryptoError("signing") }
        sig.removeLast(sig.count - length)
        var w = SSHWriter()
        w.string(algorithm.name)
        switch algorithm {
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            w.string(try Self.sshECDSASignature(der: sig))
        default:
            w.string(sig)
        }
        return w.bytes
    }

    /// ECDSA's DER signature as SSH's (mpint r, mpint s).
    private static func sshECDSASignature(der: [UInt8]) throws -> [UInt8] {
        let decoded = der.withUnsafeBufferPointer { buf -> OpaquePointer? in
            var p = buf.baseAddress
            return d2i_ECDSA_SIG(nil, &p, buf.count)
        }
        guard let sig = decoded else { throw CryptoError("ECDSA signature decoding") }
        defer { ECDSA_SIG_free(sig) }
        var w = SSHWriter()
        w.positiveMPInt(bigNumBytes(ECDSA_SIG_get0_r(sig)))
        w.positiveMPInt(bigNumBytes(ECDSA_SIG_get0_s(sig)))
        return w.bytes
    }

    static func bigNumBytes(_ bn: OpaquePointer?) -> [UInt8] {
        guard let bn else { return [] }
        var out = [UInt8](repeating: 0, count: Int((BN_num_bits(bn) + 7) / 8))
        _ = BN_bn2bin(bn, &out)
        return out
    }

    /// The SSH key type and public blob of an OpenSSL key.
    private static func publicBlob(of pkey: OpaquePointer) throws -> (String, [UInt8]) {
        var w = SSHWriter()
        if EVP_PKEY_is_a(pkey, "ED25519") == 1 {
            var pub = [UInt8](repeating: 0, count: 32)
            var n = 32
            guard EVP_PKEY_get_raw_public_key(pkey, &pub, &n) == 1, n == 32 else { throw CryptoError("Ed25519 public key") }
            w.string("ssh-ed25519")
            w.string(pub)
            return ("ssh-ed25519", w.bytes)
        }
        if EVP_PKEY_is_a(pkey, "EC") == 1 {
            var group = [CChar](repeating: 0, count: 64)
            var n = 0
            guard EVP_PKEY_get_utf8_string_param(pkey, "group", &group, group.count, &n) == 1 else {
                throw CryptoError("EC key's curve")
            }
            let curves = ["prime256v1": "nistp256", "P-256": "nistp256", "secp384r1": "nistp384", "P-384": "nistp384",
                          "secp521r1": "nistp521", "P-521": "nistp521"]
            let groupName = String(cString: group)
            guard let curve = curves[groupName] else {
                throw PrivateKeyError("EC keys on curve \(groupName) have no SSH name (only P-256, P-384, P-521)")
            }
            _ = EVP_PKEY_set_utf8_string_param(pkey, "point-format", "uncompressed")
            var point = [UInt8](repeating: 0, count: 200)
            guard EVP_PKEY_get_octet_string_param(pkey, "encoded-pub-key", &point, point.count, &n) == 1 else {
                throw CryptoError("EC public point")
            }
            let type = "ecdsa-sha2-" + curve
            w.string(type)
            w.string(curve)
            w.string(point[0..<n])
            return (type, w.bytes)
        }
        if EVP_PKEY_is_a(pkey, "RSA") == 1 {
            var n: OpaquePointer?, e: OpaquePointer?
            defer { BN_free(n); BN_free(e) }
            guard EVP_PKEY_get_bn_param(pkey, "n", &n) == 1, EVP_PKEY_get_bn_param(pkey, "e", &e) == 1 else {
                throw CryptoError("RSA public numbers")
            }
            guard BN_num_bits(n) >= 1024 else { throw PrivateKeyError("RSA key of \(BN_num_bits(n)) bits is under 1024 bits") }
            w.string("ssh-rsa")
            w.positiveMPInt(bigNumBytes(e))
            w.positiveMPInt(bigNumBytes(n))
            return ("ssh-rsa", w.bytes)
        }
        throw PrivateKeyError("key type \(EVP_PKEY_get0_type_name(pkey).map { String(cString: $0) } ?? "unknown") is not supported (RSA, ECDSA, Ed25519)")
    }
}
