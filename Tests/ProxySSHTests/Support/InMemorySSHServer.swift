import COpenSSLCrypto
@testable import ProxySSH

/// The server side of the transport, just enough to drive
/// SSHClientTransport in memory: version line, KEXINIT, the reply signed
/// with an Ed25519 host key, NEWKEYS, rekeys from either side, strict KEX.
/// It reuses the library's codec and key schedule from the other end, so a
/// disagreement in sequence numbers or keys shows up as a MAC failure.
final class InMemorySSHServer {
    var version = "SSH-2.0-InMemoryTestServer"
    /// Everything the library speaks: the client's list decides.
    var algorithms: AlgorithmPreferences = {
        var a = AlgorithmPreferences()
        a.kex = KexAlgorithm.allCases
        a.ciphers = CipherAlgorithm.allCases
        a.macs = MACAlgorithm.allCases
        a.compression = [.none, .zlib, .zlibDelayed]
        return a
    }()
    var strict = true
    /// Sets first_kex_packet_follows and sends a (bogus) guessed KEX packet.
    var guessWrongly = false
    /// Corrupts the exchange-hash signature (the client must refuse it).
    var corruptSignature = false
    /// Group exchange: the group the server hands out (nil: RFC 3526's 2048-bit prime).
    var gexPrime: [UInt8]?
    var gexGenerator: [UInt8] = [2]
    /// Derive keys as a server with these quirks (`KnownServerVersion`).
    var keyFeatures = ServerFeatures.standard
    /// The old group-exchange requests (message 30) it was sent.
    private(set) var oldGroupExchangeRequests = 0
    private var gexPart: [UInt8] = []
    /// RSA key exchange: the transient key pair and its blob.
    private var rsaTransient: (key: OpaquePointer, blob: [UInt8])?
    private var gexGroup: (p: [UInt8], g: [UInt8])?
    private(set) var hostKey: OpaquePointer
    private(set) var received: [[UInt8]] = []
    private var authenticated = false
    /// Fresh zlib streams at each NEWKEYS, as OpenSSH.
    private func compressing(_ c: CompressionAlgorithm) -> Bool { c == .zlib || (c == .zlibDelayed && authenticated) }
    func clearReceived() { received.removeAll() }
    private(set) var exchanges = 0

    private let reader = PacketReader()
    private let writer = PacketWriter()
    private var inbound: [UInt8] = []
    private var clientVersion: String?
    private var ourKexInit: [UInt8]?
    private var clientKexInit: [UInt8]?
    private var negotiatedNow: NegotiatedAlgorithms?
    private var pendingInbound: PacketProtection?
    private var sessionID: [UInt8]?
    private var strictAgreed = false

    init() {
        hostKey = Self.newEd25519()
    }

    static func newEd25519() -> OpaquePointer {
        let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil)
        defer { EVP_PKEY_CTX_free(ctx) }
        var k: OpaquePointer?
        precondition(EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &k) == 1)
        return k!
    }

    static func rfc3526Prime2048() -> [UInt8] {
        let bn = BN_get_rfc3526_prime_2048(nil)!
        defer { BN_free(bn) }
        return FiniteFieldDHAgreement.bytes(bn)
    }

    static func rfc2409Prime1024() -> [UInt8] {
        let bn = BN_get_rfc2409_prime_1024(nil)!
        defer { BN_free(bn) }
        return FiniteFieldDHAgreement.bytes(bn)
    }

    func replaceHostKey() { hostKey = Self.newEd25519() }

    var hostKeyBlob: [UInt8] {
        var pub = [UInt8](repeating: 0, count: 32)
        var n = 32
        precondition(EVP_PKEY_get_raw_public_key(hostKey, &pub, &n) == 1)
        var w = SSHWriter()
        w.string("ssh-ed25519")
        w.string(pub)
        return w.bytes
    }

    func start() throws -> [UInt8] {
        Array((version + "\r\n").utf8) + (try beginKex())
    }

    /// A server-initiated rekey.
    func beginKex() throws -> [UInt8] {
        var k = algorithms.kexInit(initial: false)
        k.kexAlgorithms = algorithms.kex.map(\.name) + (strict && exchanges == 0 ? [KexAlgorithm.strictServer] : [])
        k.firstKexPacketFollows = guessWrongly
        let payload = k.encoded()
        ourKexInit = payload
        return try writer.frame(payload) + (guessWrongly ? try writer.frame([30, 0xde, 0xad]) : [])
    }

    func send(_ payload: [UInt8]) throws -> [UInt8] { try writer.frame(payload) }

    /// USERAUTH_SUCCESS, then zlib@openssh.com starts in both directions
    /// if it was agreed (the server's side of delayed compression).
    func sendUserauthSuccess() throws -> [UInt8] {
        let out = try writer.frame([52])
        authenticated = true
        if negotiatedNow?.compressionServerToClient == .zlibDelayed { writer.compressor = try PayloadCompressor() }
        if negotiatedNow?.compressionClientToServer == .zlibDelayed { reader.decompressor = try PayloadDecompressor() }
        return out
    }

    /// Bytes framed as a packet whose payload is `raw` as it stands (for
    /// hostile compressed payloads).
    func sendRawCompressed(_ raw: [UInt8]) throws -> [UInt8] {
        let saved = writer.compressor
        writer.compressor = nil
        defer { writer.compressor = saved }
        return try writer.frame(raw)
    }

    /// RFC 4432's server side: a fresh 1024-bit transient key.
    private func sendRSAPubkey() throws -> [UInt8] {
        let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil)!
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024) == 1,
              EVP_PKEY_keygen(ctx, &key) == 1, let key else { throw CryptoError("test RSA keygen") }
        func param(_ name: String) -> [UInt8] {
            var bn: OpaquePointer?
            _ = EVP_PKEY_get_bn_param(key, name, &bn)
            defer { BN_free(bn) }
            return FiniteFieldDHAgreement.bytes(bn!)
        }
        var blob = SSHWriter()
        blob.string("ssh-rsa")
        blob.positiveMPInt(param("e"))
        blob.positiveMPInt(param("n"))
        rsaTransient = (key, blob.bytes)
        var w = SSHWriter()
        w.byte(30)
        w.string(hostKeyBlob)
        w.string(blob.bytes)
        return try writer.frame(w.bytes)
    }

    private func finishRSAKeyExchange(_ payload: [UInt8]) throws -> [UInt8] {
        let a = negotiatedNow!, transient = rsaTransient!
        var r = SSHReader(payload)
        _ = try r.byte()
        let encrypted = try r.string()
        let ctx = EVP_PKEY_CTX_new(transient.key, nil)!
        defer { EVP_PKEY_CTX_free(ctx) }
        var length = 512
        var clear = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_decrypt_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1,
              EVP_PKEY_decrypt(ctx, &clear, &length, encrypted, encrypted.count) == 1 else {
            throw CryptoError("test RSA-OAEP decryption")
        }
        var m = SSHReader(Array(clear[0..<length]))
        let secret = try m.positiveMPInt()
        let h = ExchangeHash(clientVersion: clientVersion!, serverVersion: version, clientKexInit: clientKexInit!,
                             serverKexInit: ourKexInit!, hostKeyBlob: hostKeyBlob, clientPublic: transient.blob,
                             serverPublic: encrypted, publicValuesAreMPInts: false, sharedSecret: secret).compute(a.kex.hash)
        var w = SSHWriter()
        w.byte(32)
        w.string(signatureBlob(sign(h)))
        EVP_PKEY_free(transient.key)
        rsaTransient = nil
        return try replyAndNewKeys(w.bytes, a, exchangeHash: h, secret: secret)
    }

    private func signatureBlob(_ signature: [UInt8]) -> [UInt8] {
        var s = SSHWriter()
        s.string("ssh-ed25519")
        s.string(signature)
        return s.bytes
    }

    /// The last KEX reply and NEWKEYS under the old keys, then the new ones.
    private func replyAndNewKeys(_ reply: [UInt8], _ a: NegotiatedAlgorithms, exchangeHash h: [UInt8],
                                 secret: [UInt8]) throws -> [UInt8] {
        let id = sessionID ?? h
        sessionID = id
        let keys = try KeyDerivation(hash: a.kex.hash, sharedSecret: secret, exchangeHash: h, sessionID: id,
                                     serverFeatures: keyFeatures)
            .protections(a, asServer: true)
        var out = try writer.frame(reply)
        out += try writer.frame([21])
        writer.switchKeys(to: keys.outbound, resetSequence: strictAgreed)
        pendingInbound = keys.inbound
        writer.compressor = compressing(a.compressionServerToClient) ? try PayloadCompressor() : nil
        return out
    }

    func feed(_ bytes: [UInt8]) throws -> [UInt8] {
        inbound += bytes
        var out: [UInt8] = []
        if clientVersion == nil {
            guard let nl = inbound.firstIndex(of: 0x0a) else { return out }
            clientVersion = String(decoding: inbound[..<(nl - 1)], as: UTF8.self)
            inbound.removeSubrange(...nl)
        }
        reader.append(inbound)
        inbound.removeAll()
        while let payload = try reader.next() {
            out += try handle(payload)
        }
        return out
    }

    private func handle(_ payload: [UInt8]) throws -> [UInt8] {
        switch payload[0] {
        case 20:
            var out: [UInt8] = []
            if ourKexInit == nil { out += try beginKex() }
            clientKexInit = payload
            let client = try KexInit.decode(payload)
            let ours = try KexInit.decode(ourKexInit!)
            strictAgreed = strictAgreed || (exchanges == 0 && strict && client.kexAlgorithms.contains(KexAlgorithm.strictClient))
            // No common algorithm: the client's DISCONNECT is on its way.
            negotiatedNow = try? AlgorithmNegotiation.negotiate(client: client, server: ours)
            if negotiatedNow?.kex == .rsa1024SHA1 { out += try sendRSAPubkey() }
            return out
        case 31:  // KEXRSA_SECRET
            return try finishRSAKeyExchange(payload)
        case 30 where negotiatedNow?.kex.isGroupExchange == true && payload.count == 5,
             34:  // group exchange (30: the old request, n alone): RFC 3526's 2048-bit group, or the test's
            var r = SSHReader(payload)
            _ = try r.byte()
            var part = SSHWriter()
            if payload[0] == 30 {
                oldGroupExchangeRequests += 1
                part.uint32(try r.uint32())
            } else {
                part.uint32(try r.uint32())
                part.uint32(try r.uint32())
                part.uint32(try r.uint32())
            }
            let p = gexPrime ?? Self.rfc3526Prime2048()
            part.positiveMPInt(p)
            part.positiveMPInt(gexGenerator)
            gexPart = part.bytes
            gexGroup = (p, gexGenerator)
            var w = SSHWriter()
            w.byte(31)
            w.positiveMPInt(p)
            w.positiveMPInt(gexGenerator)
            return try writer.frame(w.bytes)
        case 30, 32:
            let a = negotiatedNow!
            let agreement: KeyAgreement = payload[0] == 32
                ? try FiniteFieldDHAgreement(prime: gexGroup!.p, generator: gexGroup!.g, exponentBits: 512)
                : try a.kex.makeAgreement()
            var r = SSHReader(payload)
            _ = try r.byte()
            let clientPublic = agreement.publicValueIsMPInt ? try r.positiveMPInt() : try r.string()
            let secret = try agreement.sharedSecret(serverPublic: clientPublic)
            let blob = hostKeyBlob
            let h = ExchangeHash(clientVersion: clientVersion!, serverVersion: version, clientKexInit: clientKexInit!,
                                 serverKexInit: ourKexInit!, hostKeyBlob: blob,
                                 groupExchangePart: payload[0] == 32 ? gexPart : [], clientPublic: clientPublic,
                                 serverPublic: agreement.clientPublic, publicValuesAreMPInts: agreement.publicValueIsMPInt,
                                 sharedSecret: secret).compute(a.kex.hash)
            var sig = sign(h)
            if corruptSignature { sig[10] ^= 1 }
            var w = SSHWriter()
            w.byte(payload[0] == 32 ? 33 : 31)
            w.string(blob)
            if agreement.publicValueIsMPInt { w.positiveMPInt(agreement.clientPublic) } else { w.string(agreement.clientPublic) }
            w.string(signatureBlob(sig))
            return try replyAndNewKeys(w.bytes, a, exchangeHash: h, secret: secret)
        case 21:
            reader.switchKeys(to: pendingInbound!, resetSequence: strictAgreed)
            pendingInbound = nil
            let c2s = negotiatedNow?.compressionClientToServer ?? .none
            reader.decompressor = compressing(c2s) ? try PayloadDecompressor() : nil
            ourKexInit = nil
            exchanges += 1
            return []
        default:
            received.append(payload)
            return []
        }
    }

    private func sign(_ data: [UInt8]) -> [UInt8] {
        let ctx = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(ctx) }
        var sig = [UInt8](repeating: 0, count: 64)
        var n = 64
        precondition(EVP_DigestSignInit(ctx, nil, nil, nil, hostKey) == 1)
        precondition(EVP_DigestSign(ctx, &sig, &n, data, data.count) == 1)
        return sig
    }
}

/// Carries bytes between a client transport and the in-memory server until
/// neither has anything to say; returns the client's events other than `.send`.
func pump(_ client: SSHClientTransport, _ server: InMemorySSHServer, first: [TransportEvent],
          acceptHostKey: Bool = true) throws -> [TransportEvent] {
    var seen: [TransportEvent] = []
    var toServer: [UInt8] = []
    func absorb(_ events: [TransportEvent]) {
        for e in events {
            if case .send(let b) = e { toServer += b } else { seen.append(e) }
            if case .hostKey = e, acceptHostKey { absorb(client.acceptHostKey()) }
        }
    }
    absorb(first)
    var rounds = 0
    while !toServer.isEmpty {
        rounds += 1
        precondition(rounds < 10_000, "pump does not settle")
        let bytes = toServer
        toServer = []
        let reply = try server.feed(bytes)
        if !reply.isEmpty { absorb(client.feed(reply)) }
    }
    return seen
}
