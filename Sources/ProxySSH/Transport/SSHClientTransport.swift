/// The client side of the SSH transport layer (RFC 4253) as a state
/// machine: bytes from the server go in through `feed`, events come out
/// (bytes to send, the host key to check, payloads for the layers above).
/// It does no I/O and keeps no clock, so the caller owns the socket and
/// its deadlines, and the fork model is untouched.
///
/// Outbound payloads (`send`) wait in a queue while any key exchange is in
/// flight — ours, the server's, the first one — and go out after the
/// server's NEWKEYS. A rekey may start from either side at any moment.
public final class SSHClientTransport {
    public struct Configuration: Sendable {
        public var algorithms = AlgorithmPreferences()
        /// Our identification line, without CR LF: the C module's, so a
        /// backend's SFTPClientMatch rules for mod_proxy keep matching.
        public var clientVersion = "SSH-2.0-mod_proxy/0.9.3"
        /// Start a rekey after this many bytes in either direction under one set of keys.
        public var rekeyAfterBytes = 1 << 30
        /// Start a rekey after this many seconds under one set of keys (nil:
        /// never). The transport has no clock: the session calls `rekeyIfDue(now:)`.
        public var rekeyAfterSeconds: Double?
        /// ProxySFTPOptions AllowWeakDH: group-exchange primes from 1024 bits.
        public var allowWeakDH = false
        /// ProxySFTPOptions PessimisticKexinit: our first KEXINIT waits for
        /// the server's (some servers cannot take one sent with the version line).
        public var pessimisticKexinit = false
        /// ProxySFTPOptions OldProtocolCompat: accept a "SSH-1.99-" server.
        public var acceptsOldProtocol = false

        public init() {}
    }

    private enum Phase { case created, versionExchange, running, closed }

    public let configuration: Configuration
    private var phase = Phase.created
    private lazy var versionExchange = VersionExchange(acceptsOldProtocol: configuration.acceptsOldProtocol)
    public private(set) var serverVersion: String?
    private let reader = PacketReader()
    private let writer = PacketWriter()
    private var exchange: KeyExchangeState?
    private var outboundQueue: [[UInt8]] = []
    private var events: [TransportEvent] = []
    /// H of the first exchange; it never changes (RFC 4253 section 7.2).
    public private(set) var sessionID: [UInt8]?
    private var firstHostKeyBlob: [UInt8]?
    /// The server agreed to OpenSSH's strict KEX in the first exchange.
    public private(set) var strictKex = false
    public private(set) var negotiated: NegotiatedAlgorithms?
    public private(set) var serverExtInfo: ExtInfo?
    public private(set) var completedExchanges = 0
    /// When the keys of exchange N were first seen in force (rekey by time).
    private var keysInForceSince: (exchange: Int, time: Double)?
    /// The server sent USERAUTH_SUCCESS (delayed compression may start).
    public private(set) var authenticated = false
    /// Our NEWKEYS waits for the server's (ProxySFTPServerMatch
    /// pessimisticNewkeys). The caller may decide once the server's version
    /// is known: it matters first when the host key is accepted.
    public var sendsNewKeysAfterServer = false
    /// What the server handles, from upstream's table of known versions
    /// (`KnownServerVersion`), set when its version line arrives. Without
    /// `.rekeying` we start no rekey by bytes or time (its own are answered).
    public private(set) var serverFeatures = ServerFeatures.standard
    /// The table's alternative that matched the server's version (nil: none).
    public private(set) var knownServerVersion: KnownServerVersion.Pattern?
    /// Bytes of the payloads in `outboundQueue`.
    public private(set) var queuedBytes = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// True while a key exchange is in flight (sends are queued).
    public var isExchangingKeys: Bool { exchange != nil || completedExchanges == 0 }
    /// Payloads waiting for a key exchange to finish (a caller relaying
    /// from elsewhere stops reading its source when this grows).
    public var queuedPayloads: Int { outboundQueue.count }
    public var isClosed: Bool { phase == .closed }

    /// Our identification line and first KEXINIT (both may go before the
    /// server's line; with `pessimisticKexinit` the KEXINIT answers the server's).
    public func start() -> [TransportEvent] {
        guard phase == .created else { return [] }
        phase = .versionExchange
        events.append(.send(Array((configuration.clientVersion + "\r\n").utf8)))
        if !configuration.pessimisticKexinit {
            run { try beginKeyExchange() }
        }
        return takeEvents()
    }

    /// Bytes read from the server.
    public func feed<C: Collection>(_ bytes: C) -> [TransportEvent] where C.Element == UInt8 {
        guard phase == .versionExchange || phase == .running else { return [] }
        run {
            var rest = ArraySlice(Array(bytes))
            if phase == .versionExchange {
                switch try versionExchange.feed(rest) {
                case .needMore: return
                case .version(let line, let used):
                    serverVersion = line
                    (serverFeatures, knownServerVersion) = KnownServerVersion.lookup(identification: line)
                    phase = .running
                    rest = rest.dropFirst(used)
                }
            }
            reader.append(rest)
            try processBuffered()
        }
        return takeEvents()
    }

    /// The caller trusts the host key of `.hostKey`: our NEWKEYS goes out and
    /// the packets the server sent meanwhile are processed.
    public func acceptHostKey() -> [TransportEvent] {
        guard phase == .running, let keys = exchange?.keysAwaitingHostKeyApproval else { return [] }
        run {
            exchange?.keysAwaitingHostKeyApproval = nil
            try sendNewKeys(keys)
            try processBuffered()
        }
        return takeEvents()
    }

    /// Waiting for `acceptHostKey()` (or `disconnect`).
    public var isAwaitingHostKeyApproval: Bool { exchange?.keysAwaitingHostKeyApproval != nil }

    private func processBuffered() throws {
        while phase == .running, !isAwaitingHostKeyApproval, let payload = try reader.next() {
            try handle(payload)
        }
        try rekeyIfDue()
    }

    /// A payload for the server (message number first). Queued during a key exchange.
    public func send(_ payload: [UInt8]) -> [TransportEvent] {
        guard phase == .versionExchange || phase == .running else { return [] }
        run {
            guard !payload.isEmpty else { throw TransportFailure(DisconnectReason.protocolError, "empty payload to send") }
            if isExchangingKeys {
                outboundQueue.append(payload)
                queuedBytes += payload.count
            } else {
                events.append(.send(try writer.frame(payload)))
                try rekeyIfDue()
            }
        }
        return takeEvents()
    }

    /// Starts a rekey when the keys in force are `rekeyAfterSeconds` old at
    /// `now` (any monotonic seconds, the same clock every call). The first
    /// call after a key change starts the keys' age.
    public func rekeyIfDue(now: Double) -> [TransportEvent] {
        guard serverFeatures.contains(.rekeying), let limit = configuration.rekeyAfterSeconds,
              phase == .running, !isExchangingKeys else { return [] }
        guard let since = keysInForceSince, since.exchange == completedExchanges else {
            keysInForceSince = (completedExchanges, now)
            return []
        }
        if now - since.time >= limit { return requestRekey() }
        return []
    }

    /// Starts a rekey now, unless one is in flight.
    public func requestRekey() -> [TransportEvent] {
        guard phase == .running, !isExchangingKeys else { return [] }
        run { try beginKeyExchange() }
        return takeEvents()
    }

    /// Ends the session with SSH_MSG_DISCONNECT (e.g. the host key was not the expected one).
    public func disconnect(code: UInt32 = DisconnectReason.byApplication, message: String) -> [TransportEvent] {
        guard phase != .closed, phase != .created else { return [] }
        fail(TransportFailure(code, message))
        return takeEvents()
    }

    // MARK: - inside

    private func takeEvents() -> [TransportEvent] {
        defer { events.removeAll() }
        return events
    }

    private func run(_ body: () throws -> Void) {
        do {
            try body()
        } catch let f as TransportFailure {
            fail(f)
        } catch let e as PacketIntegrityError {
            fail(TransportFailure(DisconnectReason.macError, e.description))
        } catch let e as NegotiationError {
            fail(TransportFailure(DisconnectReason.keyExchangeFailed, e.description))
        } catch let e as KeyExchangeError {
            fail(TransportFailure(DisconnectReason.keyExchangeFailed, e.description))
        } catch let e as CompressionError {
            fail(TransportFailure(DisconnectReason.compressionError, e.description))
        } catch let e as HostKeyError {
            fail(TransportFailure(DisconnectReason.keyExchangeFailed, e.description))
        } catch {
            fail(TransportFailure(DisconnectReason.protocolError, "\(error)"))
        }
    }

    /// Tells the server why (when a packet can still be sent) and closes.
    private func fail(_ f: TransportFailure) {
        if phase == .running, let bytes = try? writer.frame(disconnectPayload(f.code, f.message)) {
            events.append(.send(bytes))
        }
        phase = .closed
        outboundQueue.removeAll()
        queuedBytes = 0
        events.append(.disconnect(DisconnectReason(code: f.code, message: f.message, fromServer: false)))
    }

    private func disconnectPayload(_ code: UInt32, _ message: String) -> [UInt8] {
        var w = SSHWriter()
        w.byte(SSHMessage.disconnect)
        w.uint32(code)
        w.string(message)
        w.string("")
        return w.bytes
    }

    private func sendNow(_ payload: [UInt8]) throws {
        events.append(.send(try writer.frame(payload)))
    }

    private func rekeyIfDue() throws {
        guard serverFeatures.contains(.rekeying), phase == .running, !isExchangingKeys else { return }
        let limit = configuration.rekeyAfterBytes
        if writer.bytesSinceKeys >= limit || reader.bytesSinceKeys >= limit {
            try beginKeyExchange()
        }
    }

    /// RFC 4419's request, or the old one for servers without it.
    private var groupExchange: GroupExchange {
        GroupExchange(allowWeakDH: configuration.allowWeakDH,
                      oldRequest: !serverFeatures.contains(.newGroupExchangeRequest))
    }

    private func beginKeyExchange() throws {
        let kexInit = configuration.algorithms.kexInit(initial: completedExchanges == 0)
        let payload = kexInit.encoded()
        exchange = KeyExchangeState(ourKexInit: kexInit, ourKexInitPayload: payload)
        try sendNow(payload)
    }

    private func handle(_ payload: [UInt8]) throws {
        guard let message = payload.first else { throw TransportFailure(DisconnectReason.protocolError, "empty packet") }
        let isKexMessage = message == SSHMessage.kexInit || message == SSHMessage.newKeys
            || SSHMessage.kexMethodRange.contains(message)
        // Strict KEX: nothing but key-exchange messages until the first
        // NEWKEYS (a DISCONNECT still says why the server gives up).
        if strictKex && completedExchanges == 0 && !isKexMessage && message != SSHMessage.disconnect {
            throw TransportFailure(DisconnectReason.protocolError,
                                   "strict key exchange: unexpected message \(message) during the initial key exchange")
        }
        switch message {
        case SSHMessage.disconnect:
            var r = SSHReader(payload)
            _ = try r.byte()
            let code = try r.uint32("disconnect reason")
            let text = (try? r.text("disconnect description")) ?? ""
            phase = .closed
            events.append(.disconnect(DisconnectReason(code: code, message: text, fromServer: true)))
        case SSHMessage.ignore, SSHMessage.debug, SSHMessage.unimplemented:
            break
        case SSHMessage.kexInit:
            try receiveKexInit(payload)
        case SSHMessage.newKeys:
            try receiveNewKeys()
        case SSHMessage.kexMethodRange:
            try receiveKexMethodMessage(payload)
        case SSHMessage.userauthSuccess where !authenticated:
            authenticated = true
            // Only delayed streams start here: a zlib stream running since
            // NEWKEYS must go on (a fresh one breaks the server's inflate).
            if let a = negotiated {
                try startCompression(a, outbound: a.compressionClientToServer == .zlibDelayed,
                                     inbound: a.compressionServerToClient == .zlibDelayed)
            }
            events.append(.packet(payload))
        case SSHMessage.extInfo:
            let info = try ExtInfo.decode(payload)
            serverExtInfo = info
            events.append(.extInfo(info))
        default:
            if exchange?.serverIsExchanging == true {
                throw TransportFailure(DisconnectReason.protocolError,
                                       "message \(message) in the middle of the server's key exchange")
            }
            events.append(.packet(payload))
        }
    }

    private func receiveKexInit(_ payload: [UInt8]) throws {
        if exchange == nil {
            try beginKeyExchange()  // the server starts a rekey
        }
        guard var x = exchange, !x.serverIsExchanging else {
            throw TransportFailure(DisconnectReason.protocolError, "a second KEXINIT during one key exchange")
        }
        let theirs = try KexInit.decode(payload)
        // Strict KEX holds only when both sides offered it.
        if completedExchanges == 0 && configuration.algorithms.offersStrictKex
            && theirs.kexAlgorithms.contains(KexAlgorithm.strictServer) {
            strictKex = true
            // Strict KEX also requires the server's KEXINIT to be its very first packet.
            guard reader.sequence == 1 else {
                throw TransportFailure(DisconnectReason.protocolError,
                                       "strict key exchange: the server's KEXINIT was not its first packet")
            }
        }
        let algorithms = try AlgorithmNegotiation.negotiate(client: x.ourKexInit, server: theirs)
        x.serverKexInitPayload = payload
        x.algorithms = algorithms
        x.dropGuessedPacket = algorithms.ignoreGuessedPacket
        if algorithms.kex.isGroupExchange {
            exchange = x
            try sendNow(groupExchange.requestPayload())
            return
        }
        if algorithms.kex.isRSAKeyExchange {
            exchange = x  // the server's KEXRSA_PUBKEY comes first
            return
        }
        let agreement = try algorithms.kex.makeAgreement()
        x.agreement = agreement
        exchange = x
        try sendPublicValue(agreement, message: SSHMessage.kexDHInit)
    }

    private func sendPublicValue(_ agreement: KeyAgreement, message: UInt8) throws {
        var w = SSHWriter(capacity: 1100)
        w.byte(message)
        if agreement.publicValueIsMPInt { w.positiveMPInt(agreement.clientPublic) } else { w.string(agreement.clientPublic) }
        try sendNow(w.bytes)
    }

    private func receiveKexMethodMessage(_ payload: [UInt8]) throws {
        guard var x = exchange, let algorithms = x.algorithms, x.inboundAfterNewKeys == nil,
              x.keysAwaitingHostKeyApproval == nil else {
            throw TransportFailure(DisconnectReason.protocolError, "key-exchange message \(payload[0]) outside a key exchange")
        }
        if x.dropGuessedPacket {
            x.dropGuessedPacket = false
            exchange = x
            return
        }
        if algorithms.kex.isRSAKeyExchange {
            return try receiveRSAKeyExchangeMessage(payload, &x, algorithms)
        }
        let gex = algorithms.kex.isGroupExchange
        if gex && x.agreement == nil && payload[0] == GroupExchange.group {
            let (agreement, part) = try groupExchange.agreement(fromGroup: payload)
            x.agreement = agreement
            x.groupExchangePart = part
            exchange = x
            try sendPublicValue(agreement, message: GroupExchange.initMessage)
            return
        }
        guard let agreement = x.agreement, payload[0] == (gex ? GroupExchange.reply : SSHMessage.kexDHReply) else {
            throw TransportFailure(DisconnectReason.protocolError,
                                   "unexpected key-exchange message \(payload[0]) for \(algorithms.kex.name)")
        }
        var r = SSHReader(payload)
        _ = try r.byte()
        let hostKeyBlob = try r.string("server host key", limit: 16 * 1024)
        let serverPublic = agreement.publicValueIsMPInt
            ? try r.positiveMPInt("server DH value f", maxBits: 8192)
            : try r.string("server ephemeral public key", limit: 1024)
        let signature = try r.string("exchange hash signature", limit: 16 * 1024)
        try r.expectEnd("KEX reply")

        let hostKey = try checkedHostKey(hostKeyBlob)
        let secret = try agreement.sharedSecret(serverPublic: serverPublic)
        let h = ExchangeHash(clientVersion: configuration.clientVersion, serverVersion: serverVersion ?? "",
                             clientKexInit: x.ourKexInitPayload, serverKexInit: x.serverKexInitPayload ?? [],
                             hostKeyBlob: hostKeyBlob, groupExchangePart: x.groupExchangePart,
                             clientPublic: agreement.clientPublic,
                             serverPublic: serverPublic, publicValuesAreMPInts: agreement.publicValueIsMPInt,
                             sharedSecret: secret).compute(algorithms.kex.hash)
        x.agreement = nil
        try finishExchange(x, algorithms, hostKey: hostKey, signature: signature, exchangeHash: h, secret: secret)
    }

    /// The server's host key, which must not change across rekeys.
    private func checkedHostKey(_ blob: [UInt8]) throws -> ServerHostKey {
        let hostKey = try ServerHostKey(blob: blob)
        if let first = firstHostKeyBlob, first != blob {
            throw TransportFailure(DisconnectReason.hostKeyNotVerifiable, "the server's host key changed during a rekey")
        }
        return hostKey
    }

    /// RFC 4432: KEXRSA_PUBKEY is answered with our encrypted secret;
    /// KEXRSA_DONE carries the signature over H.
    private func receiveRSAKeyExchangeMessage(_ payload: [UInt8], _ x: inout KeyExchangeState,
                                              _ algorithms: NegotiatedAlgorithms) throws {
        switch (payload[0], x.rsaPending) {
        case (RSAKeyExchange.pubkey, nil):
            let pending = try RSAKeyExchange.respond(toPubkey: payload)
            _ = try checkedHostKey(pending.hostKeyBlob)
            x.rsaPending = pending
            exchange = x
            try sendNow(pending.secretPayload)
        case (RSAKeyExchange.done, let pending?):
            var r = SSHReader(payload)
            _ = try r.byte()
            let signature = try r.string("exchange hash signature", limit: 16 * 1024)
            try r.expectEnd("KEXRSA_DONE")
            let hostKey = try checkedHostKey(pending.hostKeyBlob)
            let h = ExchangeHash(clientVersion: configuration.clientVersion, serverVersion: serverVersion ?? "",
                                 clientKexInit: x.ourKexInitPayload, serverKexInit: x.serverKexInitPayload ?? [],
                                 hostKeyBlob: pending.hostKeyBlob, clientPublic: pending.transientKeyBlob,
                                 serverPublic: pending.encryptedSecret, publicValuesAreMPInts: false,
                                 sharedSecret: pending.sharedSecret).compute(algorithms.kex.hash)
            x.rsaPending = nil
            try finishExchange(x, algorithms, hostKey: hostKey, signature: signature, exchangeHash: h,
                               secret: pending.sharedSecret)
        default:
            throw TransportFailure(DisconnectReason.protocolError,
                                   "unexpected key-exchange message \(payload[0]) for \(algorithms.kex.name)")
        }
    }

    /// The signature checked, the keys derived; the first exchange then
    /// waits for the caller's verdict on the host key.
    private func finishExchange(_ x: KeyExchangeState, _ algorithms: NegotiatedAlgorithms, hostKey: ServerHostKey,
                                signature: [UInt8], exchangeHash h: [UInt8], secret: [UInt8]) throws {
        let hostKeyBlob = hostKey.blob
        try hostKey.verify(signatureBlob: signature, over: h, algorithm: algorithms.hostKey,
                           dssSignatureNamesAlgorithm: serverFeatures.contains(.algorithmInDSASignature))
        let id = sessionID ?? h
        sessionID = id
        let keys = try KeyDerivation(hash: algorithms.kex.hash, sharedSecret: secret, exchangeHash: h, sessionID: id,
                                     serverFeatures: serverFeatures)
            .protections(algorithms)
        exchange = x
        if firstHostKeyBlob == nil {
            // First exchange: the caller judges the key before our NEWKEYS,
            // so a refusal's DISCONNECT still goes out under the old keys.
            firstHostKeyBlob = hostKeyBlob
            exchange?.keysAwaitingHostKeyApproval = keys
            events.append(.hostKey(hostKey))
        } else {
            try sendNewKeys(keys)
        }
    }

    private func sendNewKeys(_ keys: (outbound: PacketProtection, inbound: PacketProtection)) throws {
        exchange?.inboundAfterNewKeys = keys.inbound
        if sendsNewKeysAfterServer && exchange?.serverNewKeysSeen != true {
            exchange?.outboundHeldForServerNewKeys = keys.outbound
            return
        }
        try sendNow([SSHMessage.newKeys])
        writer.switchKeys(to: keys.outbound, resetSequence: strictKex)
        if let a = exchange?.algorithms { try startCompression(a, outbound: true, inbound: false) }
    }

    private func receiveNewKeys() throws {
        guard var x = exchange, let inbound = x.inboundAfterNewKeys, let algorithms = x.algorithms else {
            throw TransportFailure(DisconnectReason.protocolError, "NEWKEYS before the key exchange finished")
        }
        if let held = x.outboundHeldForServerNewKeys {  // pessimistic NEWKEYS: ours goes now
            x.outboundHeldForServerNewKeys = nil
            x.serverNewKeysSeen = true
            exchange = x
            try sendNewKeys((held, inbound))
        }
        reader.switchKeys(to: inbound, resetSequence: strictKex)
        try startCompression(algorithms, outbound: false, inbound: true)
        exchange = nil
        negotiated = algorithms
        completedExchanges += 1
        events.append(completedExchanges == 1 ? .established(algorithms) : .rekeyed(algorithms))
        let waiting = outboundQueue
        outboundQueue.removeAll()
        queuedBytes = 0
        for payload in waiting {
            try sendNow(payload)
        }
    }
}

extension SSHClientTransport {
    /// Compression per direction (RFC 4253 section 6.2): zlib from the
    /// packet after NEWKEYS, zlib@openssh.com from the packet after
    /// USERAUTH_SUCCESS. Every NEWKEYS starts fresh zlib streams, as OpenSSH
    /// does (its start_compression_out/in on each key change); a stream kept
    /// across a rekey fails at its next packet ("invalid block type").
    fileprivate func startCompression(_ a: NegotiatedAlgorithms, outbound: Bool, inbound: Bool) throws {
        func active(_ c: CompressionAlgorithm) -> Bool { c == .zlib || (c == .zlibDelayed && authenticated) }
        if outbound {
            writer.compressor = active(a.compressionClientToServer) ? try PayloadCompressor() : nil
        }
        if inbound {
            reader.decompressor = active(a.compressionServerToClient) ? try PayloadDecompressor() : nil
        }
    }
}

/// A reason to end the transport, before it becomes a `DisconnectReason`.
struct TransportFailure: Error {
    let code: UInt32
    let message: String
    init(_ code: UInt32, _ message: String) {
        self.code = code
        self.message = message
    }
}
