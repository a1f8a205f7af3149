/// One key exchange in flight, from our KEXINIT (or the server's) to the
/// server's NEWKEYS. While it exists, outbound payloads wait in the queue.
struct KeyExchangeState {
    let ourKexInit: KexInit
    let ourKexInitPayload: [UInt8]
    var serverKexInitPayload: [UInt8]?
    var algorithms: NegotiatedAlgorithms?
    var agreement: KeyAgreement?
    /// Group exchange: the parameters that go into the exchange hash.
    var groupExchangePart: [UInt8] = []
    /// RSA key exchange: our secret, sent, until KEXRSA_DONE.
    var rsaPending: RSAKeyExchange.Pending?
    /// The server guessed the method wrong and sent a KEX packet anyway: drop it.
    var dropGuessedPacket = false
    /// The first exchange's keys, held until the caller accepts the host key.
    var keysAwaitingHostKeyApproval: (outbound: PacketProtection, inbound: PacketProtection)?
    /// Set once our NEWKEYS went out: the server's direction switches on its NEWKEYS.
    var inboundAfterNewKeys: PacketProtection?
    /// Pessimistic NEWKEYS: our new outbound keys, and our NEWKEYS, wait for the server's.
    var outboundHeldForServerNewKeys: PacketProtection?
    var serverNewKeysSeen = false

    /// The server has started its side: only KEX messages may come until its NEWKEYS.
    var serverIsExchanging: Bool { serverKexInitPayload != nil }
}
