/// diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8270): the client
/// asks for a group size, the server picks a prime p and generator g, then
/// an ordinary DH exchange runs in it. p, g and the sizes asked for go into
/// the exchange hash.
struct GroupExchange {
    static let request: UInt8 = 34
    /// SSH_MSG_KEX_DH_GEX_REQUEST_OLD: the preferred size alone (servers
    /// from before RFC 4419's final form, e.g. OpenSSH 2.0 to 2.5).
    static let oldRequest: UInt8 = 30
    static let group: UInt8 = 31
    static let initMessage: UInt8 = 32
    static let reply: UInt8 = 33

    /// RFC 8270's floor of 2048 bits (1024 with ProxySFTPOptions
    /// AllowWeakDH); 3072 matches the 128-bit strength of curve25519; 8192
    /// is the largest OpenSSH's moduli file holds.
    let minBits: UInt32
    let preferredBits: UInt32 = 3072
    let maxBits: UInt32 = 8192

    /// Ask with the old request (the exchange hash then holds only n).
    let usesOldRequest: Bool

    init(allowWeakDH: Bool = false, oldRequest: Bool = false) {
        minBits = allowWeakDH ? 1024 : 2048
        usesOldRequest = oldRequest
    }

    /// The sizes asked for as the request sent them (min || n || max, or n).
    private func writeSizes(into w: inout SSHWriter) {
        if usesOldRequest {
            w.uint32(preferredBits)
        } else {
            w.uint32(minBits)
            w.uint32(preferredBits)
            w.uint32(maxBits)
        }
    }

    /// a < b for minimal big-endian magnitudes (what `positiveMPInt` reads).
    static func isLess(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
    }

    func requestPayload() -> [UInt8] {
        var w = SSHWriter()
        w.byte(usesOldRequest ? Self.oldRequest : Self.request)
        writeSizes(into: &w)
        return w.bytes
    }

    /// The server's group, checked: its size within what we asked, p odd,
    /// 1 < g < p-1. Returns the key pair in it and the exchange-hash part
    /// (min || n || max || p || g, or n || p || g after the old request).
    func agreement(fromGroup payload: [UInt8]) throws -> (FiniteFieldDHAgreement, hashPart: [UInt8]) {
        var r = SSHReader(payload)
        _ = try r.byte()
        let p = try r.positiveMPInt("group prime p", maxBits: Int(maxBits))
        let g = try r.positiveMPInt("group generator g", maxBits: Int(maxBits))
        try r.expectEnd("KEX_DH_GEX_GROUP")
        let bits = p.first.map { p.count * 8 - $0.leadingZeroBitCount } ?? 0
        guard bits >= Int(minBits) else {
            throw KeyExchangeError("group exchange: the server's prime has \(bits) bits, under the \(minBits) asked for")
        }
        guard p.last.map({ $0 & 1 == 1 }) == true else { throw KeyExchangeError("group exchange: the server's prime is even") }
        var pMinus1 = p
        pMinus1[pMinus1.count - 1] -= 1  // p is odd: no borrow
        guard g.count > 1 || (g.first ?? 0) > 1, Self.isLess(g, pMinus1) else {
            throw KeyExchangeError("group exchange: the server's generator is out of range")
        }
        let agreement = try FiniteFieldDHAgreement(prime: p, generator: g, exponentBits: 512)
        var w = SSHWriter()
        writeSizes(into: &w)
        w.positiveMPInt(p)
        w.positiveMPInt(g)
        return (agreement, w.bytes)
    }
}
