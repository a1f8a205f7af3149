import Glibc
import ProxySSH

/// The smallest user-auth and connection layer over SSHClientTransport:
/// password login, one session channel, exec, its output and exit status.
final class ProbeSession {
    private let options: ProbeOptions
    private let transport: SSHClientTransport
    private let socket: ProbeSocket
    private var serverChannel: UInt32?
    private var windowConsumed = 0
    private static let window: UInt32 = 2 * 1024 * 1024
    private(set) var exitStatus: Int32?
    /// The server's receive window and packet size for our channel data.
    private var remoteWindow = 0
    private var remoteMaxPacket = 0
    private var uploaded = 0
    private var uploadStarted = false
    private var finished = false
    private var rekeys = 0
    private var hostbasedKeys: [SSHSigningKey] = []
    private var hostbased: HostbasedLogin?

    init(options: ProbeOptions, socket: ProbeSocket) {
        self.options = options
        self.socket = socket
        transport = SSHClientTransport(configuration: options.configuration)
    }

    func run() throws {
        let deadline = ProbeSocket.now() + Double(options.timeoutSeconds)
        let provider = options.passphraseProvider.map { PassPhraseProvider(program: $0) }
        for spec in options.hostbasedKeys {
            let keys = try HostKeySource(directiveValue: spec).load(provider: provider, serverName: options.host, port: Int(options.port))
            for k in keys { say("key: \(k.keyType) \(k.fingerprint) from \(spec)") }
            hostbasedKeys += keys
        }
        try handle(transport.start())
        // Sent before the first key exchange is done: the transport queues it.
        var w = SSHWriter()
        w.byte(5)  // SERVICE_REQUEST
        w.string("ssh-userauth")
        try handle(transport.send(w.bytes))
        while !finished {
            let bytes = try socket.read(until: deadline)
            if bytes.isEmpty { throw ProbeError("the server closed the connection") }
            try handle(transport.feed(bytes))
        }
        say("rekeys: \(rekeys) (client-initiated after \(options.configuration.rekeyAfterBytes) bytes or by the server)")
    }

    private func say(_ line: String) {
        fputs("probe: \(line)\n", stderr)
    }

    private func handle(_ events: [TransportEvent]) throws {
        for e in events {
            switch e {
            case .send(let bytes):
                try socket.writeAll(bytes)
            case .hostKey(let key):
                say("hostkey: \(key.keyType) \(key.fingerprint)")
                if let want = options.expectFingerprint, want != key.fingerprint {
                    try handle(transport.disconnect(code: DisconnectReason.hostKeyNotVerifiable,
                                                    message: "host key \(key.fingerprint) is not the expected \(want)"))
                } else {
                    try handle(transport.acceptHostKey())
                }
            case .established(let a):
                say("server-version: \(transport.serverVersion ?? "")")
                say("negotiated: kex=\(a.kex.name) hostkey=\(a.hostKey.name) cipher=\(a.cipherClientToServer.name) mac=\(a.macClientToServer?.name ?? "aead")")
                if a.compressionServerToClient != .none || a.compressionClientToServer != .none {
                    say("compression: \(a.compressionClientToServer.name) \(a.compressionServerToClient.name)")
                }
                say("strict-kex: \(transport.strictKex ? "yes" : "no")")
            case .rekeyed:
                rekeys += 1
            case .extInfo(let info):
                say("server-sig-algs: \(info.serverSignatureAlgorithms?.joined(separator: ",") ?? "(none)")")
            case .packet(let payload):
                try connectionLayer(payload)
            case .disconnect(let reason):
                if finished { return }  // our own goodbye after the channel closed
                throw ProbeError(reason.description)
            }
        }
    }

    /// Sends stdin as far as the server's window allows; EOF after the last byte.
    private func upload() throws {
        guard uploadStarted, let channel = serverChannel, uploaded < options.uploadBytes || options.uploadBytes == 0 else { return }
        while uploaded < options.uploadBytes && remoteWindow > 0 {
            let n = min(options.uploadBytes - uploaded, remoteWindow, remoteMaxPacket, 32768)
            let chunk = (uploaded..<uploaded + n).map { UInt8($0 % 251) }
            try send {
                $0.byte(94)
                $0.uint32(channel)
                $0.string(chunk)
            }
            uploaded += n
            remoteWindow -= n
        }
        if uploaded == options.uploadBytes {
            uploaded += 1  // EOF once
            try send {
                $0.byte(96)
                $0.uint32(channel)
            }
        }
    }

    private func send(_ build: (inout SSHWriter) -> Void) throws {
        var w = SSHWriter()
        build(&w)
        try handle(transport.send(w.bytes))
    }

    private func openSession() throws {
        try send {
            $0.byte(90)
            $0.string("session")
            $0.uint32(0)
            $0.uint32(Self.window)
            $0.uint32(32768)
        }
    }

    private func hostbasedStep(_ step: HostbasedLogin.Step?) throws {
        switch step {
        case .send(let payload)?:
            try handle(transport.send(payload))
        case .succeeded?:
            let key = hostbased?.acceptedKey
            say("userauth: hostbased accepted with \(hostbased?.algorithm?.name ?? "?") \(key?.fingerprint ?? "?")")
            try openSession()
        case .refused(let why)?:
            throw ProbeError(why)
        case nil:
            break
        }
    }

    private func connectionLayer(_ payload: [UInt8]) throws {
        var r = SSHReader(payload)
        let message = try r.byte()
        if let login = hostbased, (51...53).contains(message) {
            try hostbasedStep(try login.handle(payload))
            return
        }
        switch message {
        case 6 where !hostbasedKeys.isEmpty:  // SERVICE_ACCEPT
            let login = HostbasedLogin(request: HostbasedRequest(user: options.user, clientHost: options.clientHost, clientUser: options.user),
                                       keys: hostbasedKeys, sessionID: transport.sessionID ?? [],
                                       serverSignatureAlgorithms: transport.serverExtInfo?.serverSignatureAlgorithms)
            hostbased = login
            try hostbasedStep(login.start())
        case 6:  // SERVICE_ACCEPT
            try send {
                $0.byte(50)
                $0.string(options.user)
                $0.string("ssh-connection")
                $0.string("password")
                $0.boolean(false)
                $0.string(options.password)
            }
        case 51:  // USERAUTH_FAILURE
            throw ProbeError("password authentication refused (methods that can continue: \(try r.nameList()))")
        case 52:  // USERAUTH_SUCCESS
            say("userauth: password accepted")
            try openSession()
        case 53:  // USERAUTH_BANNER
            break
        case 80:  // GLOBAL_REQUEST (e.g. hostkeys-00@openssh.com)
            _ = try r.text()
            if try r.boolean() { try send { $0.byte(82) } }
        case 91:  // CHANNEL_OPEN_CONFIRMATION
            _ = try r.uint32()
            let channel = try r.uint32()
            serverChannel = channel
            remoteWindow = Int(try r.uint32())
            remoteMaxPacket = Int(try r.uint32())
            try send {
                $0.byte(98)
                $0.uint32(channel)
                $0.string("exec")
                $0.boolean(true)
                $0.string(options.command)
            }
        case 92:  // CHANNEL_OPEN_FAILURE
            throw ProbeError("session channel refused")
        case 93:  // WINDOW_ADJUST
            _ = try r.uint32()
            remoteWindow += Int(try r.uint32())
            try upload()
        case 99:  // CHANNEL_SUCCESS (the exec started)
            uploadStarted = true
            try upload()
        case 100:
            throw ProbeError("exec refused by the server")
        case 94, 95:  // CHANNEL_DATA, CHANNEL_EXTENDED_DATA
            _ = try r.uint32()
            if message == 95 { _ = try r.uint32() }
            let data = try r.string()
            let out = message == 94 ? stdout : stderr
            _ = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, out) }
            windowConsumed += data.count
            if windowConsumed >= Int(Self.window / 2), let channel = serverChannel {
                let n = windowConsumed
                windowConsumed = 0
                try send {
                    $0.byte(93)
                    $0.uint32(channel)
                    $0.uint32(UInt32(n))
                }
            }
        case 98:  // CHANNEL_REQUEST from the server
            _ = try r.uint32()
            let name = try r.text()
            let wantReply = try r.boolean()
            if name == "exit-status" { exitStatus = Int32(bitPattern: try r.uint32()) }
            if wantReply, let channel = serverChannel {
                try send {
                    $0.byte(100)
                    $0.uint32(channel)
                }
            }
        case 96:  // CHANNEL_EOF
            break
        case 97:  // CHANNEL_CLOSE
            if let channel = serverChannel {
                try send {
                    $0.byte(97)
                    $0.uint32(channel)
                }
            }
            fflush(stdout)
            finished = true
            try handle(transport.disconnect(message: "probe done"))
        default:
            say("ignored message \(message)")
        }
    }
}
