/// A decoded (or to-be-encoded) PROXY protocol header.
public struct ProxyProtocolHeader: Equatable, Sendable {
    /// 1 for the text line, 2 for the binary form.
    public var version: Int
    public var command: ProxyProtocolCommand
    public var transport: ProxyProtocolTransport
    public var addresses: ProxyProtocolAddresses
    /// v2 TLVs in wire order, including CRC32C and NOOP records; empty for v1.
    public var tlvs: [ProxyProtocolTLV]

    public init(version: Int, command: ProxyProtocolCommand, transport: ProxyProtocolTransport,
                addresses: ProxyProtocolAddresses, tlvs: [ProxyProtocolTLV] = []) {
        self.version = version
        self.command = command
        self.transport = transport
        self.addresses = addresses
        self.tlvs = tlvs
    }

    /// True when the session should switch to the carried addresses: a PROXY
    /// command with known endpoints (not LOCAL, not UNKNOWN/AF_UNSPEC).
    public var carriesClientAddress: Bool {
        command == .proxy && addresses != .unspecified
    }

    /// The first TLV of a type.
    public func tlv(_ type: UInt8) -> ProxyProtocolTLV? {
        tlvs.first { $0.type == type }
    }

    /// The parsed SSL TLV, if present and well-formed.
    public var ssl: ProxyProtocolSSLInfo? {
        tlv(ProxyProtocolTLVType.ssl).flatMap { try? ProxyProtocolSSLInfo.parse($0.value).get() }
    }

    /// Session notes for the TLVs, named as upstream mod_proxy_protocol names them.
    public var sessionNotes: [ProxyProtocolSessionNote] {
        ProxyProtocolSessionNotes.notes(for: tlvs)
    }
}
