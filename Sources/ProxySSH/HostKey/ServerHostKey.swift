import COpenSSLCrypto

/// The server's host key (K_S) as received: its blob, its type, and an
/// OpenSSL public key to check the exchange-hash signature with.
public final class ServerHostKey {
    public let blob: [UInt8]
    public let keyType: String
    let publicKey: OpaquePointer
    /// The digest ECDSA signs with (fixed by the curve); nil for Ed25519 and RSA.
    private let ecdsaHash: HashFunction?

    /// "SHA256:<base64>" as `ssh-keygen -l` prints it.
    public var fingerprint: String { "SHA256:" + Base64.encodeUnpadded(HashFunction.sha256.hash(blob)) }

    public init(blob: [UInt8]) throws {
        self.blob = blob
        var r = SSHReader(blob)
        let type = try r.text("host key type", limit: 64)
        keyType = type
        switch type {
        case "ssh-ed25519":
            let pk = try r.string("Ed25519 public key", limit: 64)
            guard pk.count == 32, let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, pk, 32) else {
                throw HostKeyError("Ed25519 host key is not 32 bytes")
            }
            publicKey = key
            ecdsaHash = nil
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            let curveName = try r.text("ECDSA curve", limit: 32)
            let (group, hash): (String, HashFunction) =
                curveName == "nistp256" ? ("P-256", .sha256) : curveName == "nistp384" ? ("P-384", .sha384) : ("P-521", .sha512)
            guard "ecdsa-sha2-" + curveName == type else {
                throw HostKeyError("ECDSA host key names curve \(curveName) but its type is \(type)")
            }
            let point = try r.string("ECDSA public point", limit: 256)
            guard point.first == 4, let key = sshc_ec_public_key(group, point, point.count) else {
                ERR_clear_error()
                throw HostKeyError("ECDSA host key's point is not on \(curveName)")
            }
            publicKey = key
            ecdsaHash = hash
        case "ssh-rsa":
            let e = try r.positiveMPInt("RSA exponent", maxBits: 64)
            let n = try r.positiveMPInt("RSA modulus", maxBits: 16384)
            // OpenSSH refuses RSA keys under 1024 bits.
            guard n.count * 8 >= 1024 else { throw HostKeyError("RSA host key of \(n.count * 8) bits is under 1024 bits") }
            guard let key = sshc_rsa_public_key(n, n.count, e, e.count) else { throw HostKeyError("RSA host key is unusable") }
            publicKey = key
            ecdsaHash = nil
        case "ssh-dss":
            let p = try r.positiveMPInt("DSA p", maxBits: 3072), q = try r.positiveMPInt("DSA q", maxBits: 256)
            let g = try r.positiveMPInt("DSA g", maxBits: 3072), y = try r.positiveMPInt("DSA y", maxBits: 3072)
            // ssh-dss signatures are two 160-bit numbers: q must be 160 bits.
            guard q.count == 20, p.count * 8 >= 1024,
                  let key = sshc_dsa_public_key(p, p.count, q, q.count, g, g.count, y, y.count) else {
                ERR_clear_error()
                throw HostKeyError("DSA host key is unusable (ssh-dss needs a 160-bit q and a prime of 1024 bits or more)")
            }
            publicKey = key
            ecdsaHash = nil
        default:
            throw HostKeyError("host key type \(type) is not supported")
        }
        try r.expectEnd("host key blob")
    }

    deinit { EVP_PKEY_free(publicKey) }

    /// Checks `signatureBlob` (string algorithm, string signature) over
    /// `data` (the exchange hash) for the negotiated algorithm. Old SSH
    /// Communications servers send a bare ssh-dss signature, without the
    /// name (`dssSignatureNamesAlgorithm` false, `ServerFeatures.algorithmInDSASignature`).
    public func verify(signatureBlob: [UInt8], over data: [UInt8], algorithm: HostKeyAlgorithm,
                       dssSignatureNamesAlgorithm: Bool = true) throws {
        guard algorithm.keyType == keyType else {
            throw HostKeyError("the server sent a \(keyType) host key for the negotiated \(algorithm.name)")
        }
        let sig: [UInt8]
        if algorithm == .dss && !dssSignatureNamesAlgorithm {
            sig = signatureBlob
        } else {
            var r = SSHReader(signatureBlob)
            let sigName = try r.text("signature algorithm", limit: 64)
            guard sigName == algorithm.name else {
                throw HostKeyError("the server signed with \(sigName), not the negotiated \(algorithm.name)")
            }
            sig = try r.string("signature", limit: 2048)
            try r.expectEnd("signature blob")
        }
        var toVerify = sig
        var digest: HashFunction?
        switch algorithm {
        case .ed25519:
            guard sig.count == 64 else { throw HostKeyError("Ed25519 signature is not 64 bytes") }
        case .ecdsaP256, .ecdsaP384, .ecdsaP521:
            var s = SSHReader(sig)
            let rr = try s.positiveMPInt("ECDSA r", maxBits: 528), ss = try s.positiveMPInt("ECDSA s", maxBits: 528)
            try s.expectEnd("ECDSA signature")
            toVerify = try Self.derSignature(r: rr, s: ss)
            digest = ecdsaHash
        case .dss:
            // RFC 4253 section 6.6: r and s, 20 bytes each, unsigned big-endian.
            guard sig.count == 40 else { throw HostKeyError("ssh-dss signature is not 40 bytes") }
            toVerify = try Self.derSignature(r: Array(sig[0..<20]), s: Array(sig[20..<40]))
            digest = .sha1
        case .rsaSHA256, .rsaSHA512, .rsaSHA1:
            // OpenSSH accepts a signature shorter than the modulus, left-padded with zeros.
            let modulusBytes = Int(EVP_PKEY_get_size(publicKey))
            guard sig.count <= modulusBytes else { throw HostKeyError("RSA signature is longer than the modulus") }
            toVerify = [UInt8](repeating: 0, count: modulusBytes - sig.count) + sig
            digest = algorithm == .rsaSHA256 ? .sha256 : algorithm == .rsaSHA1 ? .sha1 : .sha512
        }
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, digest?.md, nil, publicKey) == 1 else {
            throw CryptoError("signature check setup")
        }
        let ok = EVP_DigestVerify(ctx, toVerify, toVerify.count, data, data.count)
        ERR_clear_error()
        guard ok == 1 else { throw HostKeyError("the server's \(algorithm.name) signature over the exchange hash is invalid") }
    }

    /// ECDSA's or DSA's (r, s) in the DER form OpenSSL verifies (both are
    /// a SEQUENCE of two INTEGERs).
    private static func derSignature(r: [UInt8], s: [UInt8]) throws -> [UInt8] {
        guard let sig = ECDSA_SIG_new() else { throw CryptoError("ECDSA_SIG_new") }
        defer { ECDSA_SIG_free(sig) }
        guard let br = BN_bin2bn(r, Int32(r.count), nil), let bs = BN_bin2bn(s, Int32(s.count), nil),
              ECDSA_SIG_set0(sig, br, bs) == 1 else { throw CryptoError("ECDSA signature") }
        var p: UnsafeMutablePointer<UInt8>?
        let n = i2d_ECDSA_SIG(sig, &p)
        guard n > 0, let p else { throw CryptoError("ECDSA signature encoding") }
        defer { CRYPTO_free(p, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: p, count: Int(n)))
    }
}

/// A host key or its signature that cannot be trusted.
public struct HostKeyError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
