import COpenSSLCrypto

/// What signs the proxy's hostbased requests: a key file or an ssh-agent key.
public protocol HostbasedSigner: AnyObject {
    var algorithm: HostKeyAlgorithm { get }
    /// The public key as SSH encodes it in requests and known_hosts.
    var publicBlob: [UInt8] { get }
    /// The SSH signature blob (string algorithm, string signature) over `data`.
    func sign(_ data: [UInt8]) throws -> [UInt8]
}

/// A ProxySFTPHostKey private key (PEM: SEC1 EC, PKCS#1 RSA or PKCS#8 of
/// any of them and Ed25519) that signs the proxy's hostbased requests to
/// backends: its public key blob and SSH signatures (RFC 8709, 5656, 8332).
public final class HostbasedKey: HostbasedSigner {
    public let algorithm: HostKeyAlgorithm
    /// The public key as SSH encodes it in requests and known_hosts.
    public let publicBlob: [UInt8]
    private let key: OpaquePointer
    private let digest: HashFunction?

    /// A key file: PEM, or OpenSSH's own format for an unencrypted Ed25519 key.
    public convenience init(pem: [UInt8]) throws {
        let text = String(decoding: pem, as: UTF8.self)
        guard text.contains("-----BEGIN "), !text.contains("ENCRYPTED") else {
            throw HostKeyError("not an unencrypted PEM or OpenSSH private key")
        }
        let der = try Self.pemBody(text)
        if text.contains("BEGIN OPENSSH PRIVATE KEY") {
            try self.init(evp: try OpenSSHKeyFile.ed25519Key(der))
            return
        }
        guard let parsed = der.withUnsafeBufferPointer({ buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }) else { throw HostKeyError("PEM key could not be read by OpenSSL") }
        try self.init(evp: parsed)
    }

    /// The base64 body between the PEM armour lines, decoded.
    static func pemBody(_ text: String) throws -> [UInt8] {
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") && !$0.contains(":") }
            .joined().filter { !$0.isWhitespace }
        let encoded = Array(body.utf8)
        guard !encoded.isEmpty, encoded.count <= 64 * 1024 else { throw HostKeyError("empty or oversized PEM body") }
        var der = [UInt8](repeating: 0, count: encoded.count)
        let decoded = EVP_DecodeBlock(&der, encoded, Int32(encoded.count))
        guard decoded > 0 else { throw HostKeyError("PEM body is not base64") }
        let padding = encoded.reversed().prefix(while: { $0 == UInt8(ascii: "=") }).count
        return Array(der[0..<max(0, Int(decoded) - padding)])
    }

    /// Takes ownership of `parsed`.
    init(evp parsed: OpaquePointer) throws {
        key = parsed
        var w = SSHWriter()
        switch EVP_PKEY_get_base_id(parsed) {
        case EVP_PKEY_ED25519:
            var raw = [UInt8](repeating: 0, count: 32)
            var rawLength = 32
            guard EVP_PKEY_get_raw_public_key(parsed, &raw, &rawLength) == 1, rawLength == 32 else {
                EVP_PKEY_free(parsed)
                throw HostKeyError("Ed25519 public key unreadable")
            }
            algorithm = .ed25519
            digest = nil
            w.string("ssh-ed25519")
            w.string(raw)
        case EVP_PKEY_EC:
            var group = [CChar](repeating: 0, count: 64)
            var groupLength = 0
            var point = [UInt8](repeating: 0, count: 256)
            var pointLength = 0
            guard EVP_PKEY_get_utf8_string_param(parsed, "group", &group, group.count, &groupLength) == 1,
                  EVP_PKEY_get_octet_string_param(parsed, "encoded-pub-key", &point, point.count, &pointLength) == 1 else {
                EVP_PKEY_free(parsed)
                throw HostKeyError("EC key unreadable")
            }
            let curve: (HostKeyAlgorithm, String, HashFunction)
            switch String(cString: group) {
            case "prime256v1", "P-256": curve = (.ecdsaP256, "nistp256", .sha256)
            case "secp384r1", "P-384": curve = (.ecdsaP384, "nistp384", .sha384)
            case "secp521r1", "P-521": curve = (.ecdsaP521, "nistp521", .sha512)
            case let other:
                EVP_PKEY_free(parsed)
                throw HostKeyError("EC curve \(other) has no SSH host key algorithm")
            }
            algorithm = curve.0
            digest = curve.2
            w.string(curve.0.name)
            w.string(curve.1)
            w.string(point[0..<pointLength])
        case EVP_PKEY_RSA:
            guard let e = Self.bignum(parsed, "e"), let n = Self.bignum(parsed, "n") else {
                EVP_PKEY_free(parsed)
                throw HostKeyError("RSA key unreadable")
            }
            algorithm = .rsaSHA512
            digest = .sha512
            w.string("ssh-rsa")
            w.positiveMPInt(e)
            w.positiveMPInt(n)
        default:
            EVP_PKEY_free(parsed)
            throw HostKeyError("key type is not Ed25519, ECDSA or RSA")
        }
        publicBlob = w.bytes
    }

    deinit { EVP_PKEY_free(key) }

    /// The SSH signature blob (string algorithm, string signature) over `data`.
    public func sign(_ data: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, digest?.md, nil, key) == 1 else { throw CryptoError("EVP_DigestSignInit") }
        var length = 0
        guard EVP_DigestSign(ctx, nil, &length, data, data.count) == 1 else { throw CryptoError("EVP_DigestSign") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(ctx, &signature, &length, data, data.count) == 1 else { throw CryptoError("EVP_DigestSign") }
        signature.removeSubrange(length...)
        var w = SSHWriter()
        w.string(algorithm.name)
        switch algorithm {
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            // DER ECDSA-Sig-Value to SSH's two mpints.
            let parsed: OpaquePointer? = signature.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
            }
            guard let sig = parsed else { throw CryptoError("d2i_ECDSA_SIG") }
            defer { ECDSA_SIG_free(sig) }
            var inner = SSHWriter()
            inner.positiveMPInt(Self.bytes(ECDSA_SIG_get0_r(sig)))
            inner.positiveMPInt(Self.bytes(ECDSA_SIG_get0_s(sig)))
            w.string(inner.bytes)
        default:
            w.string(signature)
        }
        return w.bytes
    }

    private static func bignum(_ key: OpaquePointer, _ name: String) -> [UInt8]? {
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(key, name, &bn) == 1, let bn else { return nil }
        defer { BN_free(bn) }
        return bytes(bn)
    }

    private static func bytes(_ bn: OpaquePointer?) -> [UInt8] {
        guard let bn else { return [] }
        var out = [UInt8](repeating: 0, count: Int((BN_num_bits(bn) + 7) / 8))
        _ = BN_bn2bin(bn, &out)
        return out
    }
}
