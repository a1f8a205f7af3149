/// Key derivation (RFC 4253 section 7.2): K1 = HASH(K || H || letter ||
/// session_id), extended with HASH(K || H || K1 || K2 ...) until long enough.
struct KeyDerivation {
    let hash: HashFunction
    /// K, mpint-encoded.
    let encodedSecret: [UInt8]
    let exchangeHash: [UInt8]
    let sessionID: [UInt8]

    init(hash: HashFunction, sharedSecret: [UInt8], exchangeHash: [UInt8], sessionID: [UInt8]) {
        self.hash = hash
        var w = SSHWriter()
        w.positiveMPInt(sharedSecret)
        encodedSecret = w.bytes
        self.exchangeHash = exchangeHash
        self.sessionID = sessionID
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
            mac: a.macClientToServer, macKey: key("E", length: a.macClientToServer?.keyLength ?? 0), encrypt: !asServer)
        let s2c = try a.cipherServerToClient.protection(
            key: key("D", length: a.cipherServerToClient.keyLength), iv: key("B", length: a.cipherServerToClient.ivLength),
            mac: a.macServerToClient, macKey: key("F", length: a.macServerToClient?.keyLength ?? 0), encrypt: asServer)
        return asServer ? (s2c, c2s) : (c2s, s2c)
    }
}
