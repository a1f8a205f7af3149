import CProFTPD
import CShims
import Glibc
import ProxyCore

/// mod_proxy_protocol's session init: read the header, then make the real
/// client the session's remote address (re-matching its <Class>), expose
/// the TLVs as session notes, and with UseProxiedServerAddress move the
/// session to the <VirtualHost> of the proxied destination.
enum ProxyProtocolSession {
    static let ident = MOD_PROXY_PROTOCOL_VERSION

    static func start() -> Int32 {
        let settings = SettingsLoader.proxyProtocolSettings()
        guard settings.engine, let conn = session.c else { return 0 }
        let fd = conn.pointee.rfd >= 0 ? conn.pointee.rfd : mps_netio_fd(conn.pointee.instrm)
        let peer = conn.pointee.remote_addr.map { String(cString: pr_netaddr_get_ipstr($0)) } ?? "?"
        // ProxyProtocolTimeout 0 is upstream's "no timeout of its own"; the
        // client must still not hold the session forever: TimeoutLogin's
        // timer starts only later (mod_auth), so it bounds the wait here.
        let seconds = settings.timeout.isNone ? CoreTimeouts.login : settings.timeout.seconds
        let reader = ProxyProtocolHeaderReader(fd: fd, accepting: settings.version.decoderVersion,
                                               timeoutSeconds: seconds)
        let header: ProxyProtocolHeader
        do {
            header = try reader.read()
        } catch {
            reject(peer: peer, reason: "\(error)")
            return -1
        }
        if header.command == .proxy, header.transport == .dgram {
            // A datagram (UDP) source cannot be the client of this TCP connection.
            reject(peer: peer, reason: "PROXY header announces a datagram (UDP) connection; expected TCP")
            return -1
        }
        for note in header.sessionNotes {
            SessionNotes.set(note.name, note.text)
        }
        if settings.ignore {
            logIgnored(header, peer: peer)
            return 0
        }
        guard header.carriesClientAddress,
              let source = netaddr(header.addresses.sourceText, header.addresses.sourcePort),
              let sourcePort = header.addresses.sourcePort else {
            log(9, "PROXY header from \(peer) carries no client address (LOCAL/UNKNOWN); keeping the connection's own")
            return 0
        }
        let previous = peer
        conn.pointee.remote_addr = UnsafePointer(source)
        conn.pointee.remote_port = Int32(sourcePort)
        conn.pointee.remote_name = pr_netaddr_get_ipstr(source)
        log(0, "UPDATED client remote address: \(String(cString: pr_netaddr_get_ipstr(source))):\(sourcePort) (WAS \(previous))")

        if settings.options.contains(.useProxiedServerAddress),
           let destination = netaddr(header.addresses.destinationText, header.addresses.destinationPort),
           let destinationPort = header.addresses.destinationPort {
            switchServer(to: destination, port: destinationPort, conn: conn)
        }
        pr_netaddr_set_sess_addrs()
        session.conn_class = pr_class_match_addr(conn.pointee.remote_addr)
        if let cls = session.conn_class, let name = cls.pointee.cls_name {
            log(2, "session requested from proxied client in '\(String(cString: name))' class")
        }
        return 0
    }

    /// ProxyProtocolIgnore (often inside <IfClass> for senders that are not
    /// trusted): upstream's DEBUG10 line, and on the trace channel that the
    /// header was read and ignored, with the class that decided it.
    private static func logIgnored(_ header: ProxyProtocolHeader, peer: String) {
        let source = header.addresses.sourceText ?? "none"
        mps_log_debug(10, "\(ident): ProxyProtocolIgnore is in effect, ignoring proxied source address '\(source)'")
        let port = header.addresses.sourcePort.map { ":\($0)" } ?? ""
        let cls = session.conn_class.flatMap { $0.pointee.cls_name }.map { " (class '\(String(cString: $0))')" } ?? ""
        mps_trace_msg("proxy_protocol", 5, "PROXY header from \(peer)\(cls) read and ignored (ProxyProtocolIgnore on): keeping \(peer) as the client, not the proxied source \(source)\(port)")
    }

    /// Logs why (SystemLog NOTICE and the trace channel) and ends the session.
    private static func reject(peer: String, reason: String) {
        mps_log_pri(PR_LOG_NOTICE, "\(ident): rejecting connection from \(peer): \(reason)")
        mps_trace_msg("proxy_protocol", 1, "rejecting connection from \(peer): \(reason)")
        pr_session_disconnect(&proxy_protocol_module, Int32(PR_SESS_DISCONNECT_BAD_PROTOCOL),
                              "Invalid PROXY protocol header")
    }

    /// UseProxiedServerAddress: the <VirtualHost> bound to the address the
    /// client originally connected to.
    private static func switchServer(to address: UnsafeMutablePointer<pr_netaddr_t>, port: UInt16,
                                     conn: UnsafeMutablePointer<conn_t>) {
        pr_event_generate("mod_proxy_protocol.proxied-server-address", address)
        guard let server = pr_ipbind_get_server(address, UInt32(port)), server != main_server else { return }
        let name = server.pointee.ServerName.map { String(cString: $0) } ?? "?"
        log(0, "Changing to server '\(name)' (\(String(cString: pr_netaddr_get_ipstr(address))):\(port)) due to PROXY protocol")
        conn.pointee.local_addr = UnsafePointer(address)
        conn.pointee.local_port = Int32(port)
        session.prev_server = main_server
        main_server = server
        pr_event_generate("core.session-reinit", server)
    }

    /// A pr_netaddr_t for an address and port (IPv4-mapped IPv6 as IPv4),
    /// built from the bytes: no resolver involved. An IPv6 client on a
    /// daemon with `UseIPv6 off` turns IPv6 on for this session process, so
    /// the real address is kept rather than lost.
    private static func netaddr(_ text: String?, _ port: UInt16?) -> UnsafeMutablePointer<pr_netaddr_t>? {
        guard let text, let port else { return nil }
        var storage = sockaddr_storage()
        var family: Int32
        let ip = IPAddress(text)
        if let v4 = ip?.ipv4Bytes {
            family = AF_INET
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.storeBytes(of: sa_family_t(AF_INET), toByteOffset: 0, as: sa_family_t.self)
                raw.storeBytes(of: port.bigEndian, toByteOffset: 2, as: UInt16.self)
                for i in 0..<4 { raw[4 + i] = v4[i] }
            }
        } else if let v6 = ip?.bytes {
            family = AF_INET6
            if pr_netaddr_use_ipv6() == 0 {
                log(0, "client address \(text) is IPv6 while UseIPv6 is off: enabling IPv6 for this session")
                pr_netaddr_enable_ipv6()
            }
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.storeBytes(of: sa_family_t(AF_INET6), toByteOffset: 0, as: sa_family_t.self)
                raw.storeBytes(of: port.bigEndian, toByteOffset: 2, as: UInt16.self)
                for i in 0..<16 { raw[8 + i] = v6[i] }
            }
        } else {
            return nil
        }
        guard let addr = pr_netaddr_alloc(session.pool), pr_netaddr_set_family(addr, family) == 0 else { return nil }
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pr_netaddr_set_sockaddr(addr, $0) }
        }
        return ok == 0 ? addr : nil
    }

    private static func log(_ level: Int32, _ message: String) {
        mps_log_debug(level, "\(ident): \(message)")
        mps_trace_msg("proxy_protocol", max(level, 1), message)
    }
}

extension ProxyProtocolSettings.Version {
    var decoderVersion: ProxyProtocolVersion {
        switch self {
        case .haproxyV1: return .v1
        case .haproxyV2: return .v2
        case .auto: return .auto
        }
    }
}
