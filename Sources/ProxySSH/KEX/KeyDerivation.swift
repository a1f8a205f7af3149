/// Key derivation (RFC 4253 section 7.2): K1 = HASH(K || H || letter ||
/// session_id), extended with HASH(K || H || K1 || K2 ...) until long enough.
struct KeyDerivation {
    let hash: HashFunction
    /// K, mpint-encoded.
    let encodedSecret: [UInt8]
    let exchangeHash: [UInt8]
    let sessionID: [UInt8]
    /// HMAC keys of 16 bytes whatever the digest (old SSH Communications
    /// servers, `ServerFeatures.fullMACKeyLength` absent).
    let shortMACKeys: Bool

    /// Without `.cipherKeysUseK` in `serverFeatures`, K is left out of every
    /// derived key, as those servers (and OpenSSH's SSH_BUG_DERIVEKEY) do.
    init(hash: HashFunction, sharedSecret: [UInt8], exchangeHash: [UInt8], sessionID: [UInt8],
         serverFeatures: ServerFeatures = .standard) {
        self.hash = hash
        var w = SSHWriter()
        w.positiveMPInt(sharedSecret)
        encodedSecret = serverFeatures.contains(.cipherKeysUseK) ? w.bytes : []
        self.exchangeHash = exchangeHash
        self.sessionID = sessionID
        shortMACKeys = !serverFeatures.contains(.fullMACKeyLength)
    }

    private func macKeyLength(_ mac: MACAlgorithm?) -> Int {
        guard let mac else { return 0 }
        return shortMACKeys && mac.digest != nil ? min(16, mac.keyLength) : mac.keyLength
    }

    func key(_ letter: Character, length: Int) -> [UInt8] {
        if length == 0 { return [] }
        var out = hash.hash(encodedSecret, exchangeHash, [letter.asciiValue!], sessionID)
        while out.count < length {
            out += hash.hash(encodedSecret, exchangeHash, out)
        }
        return Array(out.prefix(length))
    }

    /// Both directions' protections for the negotiated algorithms. The
    /// client seals client-to-server; `asServer` gives the other side's
    /// pair (tests drive the transport against an in-memory server).
    func protections(_ a: NegotiatedAlgorithms, asServer: Bool = false) throws
        -> (outbound: PacketProtection, inbound: PacketProtection) {
        let c2s = try a.cipherClientToServer.protection(
            key: key("C", length: a.cipherClientToServer.keyLength), iv: key("A", length: a.cipherClientToServer.ivLength),
            mac: a.macClientToServer, macKey: key("E", length: macKeyLength(a.macClientToServer)), encrypt: !asServer)
        let s2c = try a.cipherServerToClient.protection(
            key: key("D", length: a.cipherServerToClient.keyLength), iv: key("B", length: a.cipherServerToClient.ivLength),
            mac: a.macServerToClient, macKey: key("F", length: macKeyLength(a.macServerToClient)), encrypt: asServer)
        return asServer ? (s2c, c2s) : (c2s, s2c)
    }
}
