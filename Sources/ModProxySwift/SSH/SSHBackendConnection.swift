import Glibc
import ProxyCore
import ProxySSH

/// One SSH connection to a backend: our socket (every wait bounded by a
/// Deadline) under an `SSHClientTransport`. Transport events become socket
/// writes, host-key checks and connection-layer payloads for the caller.
final class SSHBackendConnection {
    let socket: TCPSocket
    let address: SocketAddress
    let target: SelectedBackend
    let transport: SSHClientTransport
    private let hostKeyCheck: SSHHostKeyCheck
    private let serverMatches: [SFTPServerMatch]
    /// Payloads that arrived for the layers above, oldest first.
    private(set) var inbox: [[UInt8]] = []
    private(set) var established = false
    private var readBuffer = [UInt8](repeating: 0, count: 256 * 1024)
    /// Packets framed for the backend, not written yet: the relay gathers a
    /// burst of client packets into one write (`gather`), flushed before any
    /// wait for the backend and whenever it reaches `gatherLimit`.
    private var pendingOutput: [UInt8] = []
    private static let gatherLimit = 256 * 1024

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(socket: TCPSocket, address: SocketAddress, target: SelectedBackend,
         configuration: SSHClientTransport.Configuration, hostKeyCheck: SSHHostKeyCheck,
         serverMatches: [SFTPServerMatch] = []) {
        self.socket = socket
        self.address = address
        self.target = target
        self.transport = SSHClientTransport(configuration: configuration)
        self.hostKeyCheck = hostKeyCheck
        self.serverMatches = serverMatches
    }

    /// Version exchange and the first key exchange, host key checked.
    func establish(deadline: Deadline) throws {
        try handle(transport.start(), deadline: deadline)
        while !established {
            try readOnce(deadline: deadline)
        }
    }

    func send(_ payload: [UInt8], deadline: Deadline) throws {
        try handle(transport.send(payload), deadline: deadline)
    }

    /// A payload whose write may wait for the next ones (see `pendingOutput`).
    func gather(_ payload: [UInt8], deadline: Deadline) throws {
        try handle(transport.send(payload), deadline: deadline, gathering: true)
    }

    var hasPendingOutput: Bool { !pendingOutput.isEmpty }

    /// Writes what was gathered.
    func flush(deadline: Deadline) throws {
        guard !pendingOutput.isEmpty else { return }
        defer { pendingOutput.removeAll(keepingCapacity: true) }
        try namingBackend { try socket.writeAll(pendingOutput, deadline: deadline) }
    }

    /// Waits for the next payload for the layers above.
    func nextPayload(deadline: Deadline) throws -> [UInt8] {
        while inbox.isEmpty {
            try readOnce(deadline: deadline)
        }
        return inbox.removeFirst()
    }

    /// Takes the payloads that arrived (the relay's side of `nextPayload`).
    func takeInbox() -> [[UInt8]] {
        defer { inbox.removeAll() }
        return inbox
    }

    /// One read (waiting up to `deadline`) fed to the transport.
    func readOnce(deadline: Deadline) throws {
        try flush(deadline: deadline)  // the backend may be waiting for it
        let n = try namingBackend { try readBuffer.withUnsafeMutableBytes { try socket.read(into: $0, deadline: deadline) } }
        if n == 0 { throw Failure(description: "backend \(target.connectedURL) closed the connection") }
        try handle(transport.feed(readBuffer[0..<n]), deadline: deadline)
    }

    /// A socket error (a reset, a timeout) told with the backend it came
    /// from, as the client's DISCONNECT and ProxyLog give it.
    private func namingBackend<T>(_ io: () throws -> T) throws -> T {
        do {
            return try io()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "backend \(target.connectedURL): \(error)")
        }
    }

    /// Leaves politely: a DISCONNECT when the transport can still send one.
    func close(reason: String) {
        try? flush(deadline: .after(seconds: 1))
        if !transport.isClosed {
            for case .send(let bytes) in transport.disconnect(message: reason) {
                try? socket.writeAll(bytes, deadline: .after(seconds: 1))
            }
        }
        socket.close()
    }

    private func handle(_ events: [TransportEvent], deadline: Deadline, gathering: Bool = false) throws {
        for event in events {
            switch event {
            case .send(let bytes):
                pendingOutput.append(contentsOf: bytes)
            case .hostKey(let key):
                if let refusal = hostKeyCheck.refusal(for: key, backend: target.url) {
                    try handle(transport.disconnect(code: DisconnectReason.hostKeyNotVerifiable, message: refusal),
                               deadline: deadline)
                    throw Failure(description: refusal)
                }
                applyServerMatches()  // before our first NEWKEYS, which acceptHostKey sends
                try handle(transport.acceptHostKey(), deadline: deadline)
            case .established(let algorithms):
                established = true
                ProxyLog.write("backend \(target.connectedURL): SSH session with \(transport.serverVersion ?? "?"): "
                               + Self.describe(algorithms) + (transport.strictKex ? ", strict KEX" : ""))
            case .rekeyed(let algorithms):
                ProxyLog.write("backend \(target.connectedURL): rekeyed (\(transport.completedExchanges - 1)): \(Self.describe(algorithms))")
            case .extInfo(let info):
                ProxyLog.write("backend \(target.connectedURL): ext-info server-sig-algs "
                               + (info.serverSignatureAlgorithms?.joined(separator: ",") ?? "(none)"))
            case .packet(let payload):
                inbox.append(payload)
            case .disconnect(let reason):
                try? flush(deadline: deadline)  // our DISCONNECT, when the transport could still send one
                throw Failure(description: "backend \(target.connectedURL): \(reason)")
            }
        }
        if !gathering || pendingOutput.count >= Self.gatherLimit {
            try flush(deadline: deadline)
        }
    }

    /// Upstream's table of known versions (the transport applied it when the
    /// version line came), then ProxySFTPServerMatch on top: the rules whose
    /// pattern matches the backend's software version (ProFTPD's regex
    /// engine, as for every pattern in proftpd.conf) set the transport's
    /// interop keys.
    private func applyServerMatches() {
        guard let identification = transport.serverVersion else { return }
        if let known = transport.knownServerVersion {
            let missing = transport.serverFeatures.missingFromStandard
            ProxyLog.write("backend \(target.connectedURL): server version '\(identification)' matched known version '"
                           + known.regex + "'" + (missing.isEmpty ? "" : ": " + missing))
        }
        guard !serverMatches.isEmpty else { return }
        let decision = ServerMatchDecision.decide(identification: identification, rules: serverMatches) { pattern, software in
            (try? ProFTPDRegex(pattern: pattern, ignoresCase: false))?.matches(software) ?? false
        }
        guard !decision.matchedPatterns.isEmpty else { return }
        transport.sendsNewKeysAfterServer = decision.pessimisticNewkeys
        ProxyLog.write("backend \(target.connectedURL): server version '\(identification)' matched ProxySFTPServerMatch "
                       + decision.matchedPatterns.map { "'\($0)'" }.joined(separator: ", ")
                       + ": pessimisticNewkeys \(decision.pessimisticNewkeys ? "on" : "off")")
    }

    private static func describe(_ a: NegotiatedAlgorithms) -> String {
        "kex \(a.kex.name), host key \(a.hostKey.name), cipher \(a.cipherClientToServer.name)"
            + (a.macClientToServer.map { ", mac \($0.name)" } ?? "")
            + (a.compressionClientToServer == .none ? "" : ", compression \(a.compressionClientToServer.name)")
    }
}
