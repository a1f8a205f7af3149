import CProFTPD
import Glibc
import ProxyCore

/// The PROXY protocol header mod_proxy sends first on a backend control
/// connection (ProxyOptions UseProxyProtocolV1/V2/V2TLVs), carrying the
/// frontend client's address. Never sent on data connections.
enum ProxyProtocolSender {
    static func header(for mode: SessionOptions.BackendProxyHeader, backend: TCPSocket) -> [UInt8]? {
        if case .none = mode { return nil }
        guard let conn = session.c, let remote = conn.pointee.remote_addr, let local = conn.pointee.local_addr else {
            return nil
        }
        let addresses = frontendAddresses(client: SocketAddress(netaddr: remote), server: SocketAddress(netaddr: local))
        do {
            switch mode {
            case .none:
                return nil
            case .v1:
                return try ProxyProtocolHeaderEncoder.encodeV1(addresses)
            case .v2(let withTLVs):
                return try ProxyProtocolHeaderEncoder.encodeV2(command: .proxy, addresses: addresses,
                                                       tlvs: withTLVs ? sessionTLVs() : [], addCRC32C: withTLVs)
            }
        } catch {
            ProxyLog.write("unable to build PROXY protocol header: \(error)")
            return nil
        }
    }

    /// Both ends in one family: IPv4-mapped IPv6 addresses become IPv4; a
    /// mixed pair is expressed in IPv6.
    static func frontendAddresses(client: SocketAddress, server: SocketAddress) -> ProxyProtocolAddresses {
        let c = client.ip.bytes, s = server.ip.bytes
        let c4 = client.ip.ipv4Bytes, s4 = server.ip.ipv4Bytes
        if let c4, let s4 {
            return .inet(source: c4, sourcePort: client.port, destination: s4, destinationPort: server.port)
        }
        return .inet6(source: c.count == 16 ? c : mapped(c), sourcePort: client.port,
                      destination: s.count == 16 ? s : mapped(s), destinationPort: server.port)
    }

    private static func mapped(_ v4: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: 10) + [0xff, 0xff] + v4
    }

    /// ALPN, authority, unique ID and the frontend TLS session, as upstream
    /// sends them. What a PROXY header told this proxy (when it sits behind a
    /// load balancer itself) is passed on: the original client's ALPN,
    /// authority and TLS details win over this hop's.
    ///
    /// The authority is the name the client used, in upstream's order: the
    /// one a load balancer reported, else the HOST command's, else the
    /// frontend TLS session's SNI; with none of them (the header may go out
    /// before the client named anything), no AUTHORITY TLV, as upstream.
    private static func sessionTLVs() -> [ProxyProtocolTLV] {
        var tlvs: [ProxyProtocolTLV] = []
        let received = ProxyProtocolSessionNotes.prefix
        let alpn = note(received + "alpn") ?? pr_session_get_protocol(0).map { String(cString: $0) }
        if let alpn { tlvs.append(ProxyProtocolTLV(type: ProxyProtocolTLVType.alpn, text: alpn)) }
        let tls = FrontendTLSInfo.current()
        if let authority = note(received + "authority") ?? note("mod_core.host") ?? note("mod_tls.sni")
            ?? tls?.serverName {
            tlvs.append(ProxyProtocolTLV(type: ProxyProtocolTLVType.authority, text: authority))
        }
        if let id = note("UNIQUE_ID") ?? note(received + "unique-id") {
            tlvs.append(ProxyProtocolTLV(type: ProxyProtocolTLVType.uniqueID, text: id))
        }
        if let received = receivedTLS() {
            tlvs.append(received)
        } else if let ssl = tls?.tlv() {
            tlvs.append(ssl)
        }
        return tlvs
    }

    /// The TLS details a load balancer in front of this proxy reported.
    private static func receivedTLS() -> ProxyProtocolTLV? {
        let prefix = ProxyProtocolSessionNotes.prefix + "tls."
        let version = note(prefix + "version"), cipher = note(prefix + "cipher")
        guard version != nil || cipher != nil else { return nil }
        let info = ProxyProtocolSSLInfo(verified: true, version: version, cipher: cipher,
                                commonName: note(prefix + "common-name"),
                                signatureAlgorithm: note(prefix + "signature-algo"),
                                keyAlgorithm: note(prefix + "key-algo"))
        return try? info.encodedTLV()
    }

    private static func note(_ key: String) -> String? {
        guard let notes = session.notes, let value = pr_table_get(notes, key, nil) else { return nil }
        return String(cString: value.assumingMemoryBound(to: CChar.self))
    }
}
