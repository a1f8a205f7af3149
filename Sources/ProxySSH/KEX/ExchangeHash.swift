/// The exchange hash H (RFC 4253 section 8, RFC 5656 section 4, RFC 8731):
/// HASH(V_C || V_S || I_C || I_S || K_S || client value || server value || K),
/// with group exchange's parameters after K_S (RFC 4419).
struct ExchangeHash {
    var clientVersion: String
    var serverVersion: String
    var clientKexInit: [UInt8]
    var serverKexInit: [UInt8]
    var hostKeyBlob: [UInt8]
    /// Group exchange only: min || n || max || p || g, right after K_S.
    var groupExchangePart: [UInt8] = []
    var clientPublic: [UInt8]
    var serverPublic: [UInt8]
    var publicValuesAreMPInts: Bool
    var sharedSecret: [UInt8]

    func compute(_ hash: HashFunction) -> [UInt8] {
        var w = SSHWriter(capacity: 2048)
        w.string(clientVersion)
        w.string(serverVersion)
        w.string(clientKexInit)
        w.string(serverKexInit)
        w.string(hostKeyBlob)
        w.raw(groupExchangePart)
        if publicValuesAreMPInts {
            w.positiveMPInt(clientPublic)
            w.positiveMPInt(serverPublic)
        } else {
            w.string(clientPublic)
            w.string(serverPublic)
        }
        w.positiveMPInt(sharedSecret)
        return hash.hash(w.bytes)
    }
}
