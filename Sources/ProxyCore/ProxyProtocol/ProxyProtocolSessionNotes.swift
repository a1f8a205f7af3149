/// One session note derived from a TLV (ProFTPD stores it in session.notes,
/// NUL-terminated, for %{note:...} in ExtendedLog/SQLLog).
public struct ProxyProtocolSessionNote: Equatable, Sendable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, text: String) {
        self.init(name: name, value: Array(text.utf8))
    }

    /// The value as text (invalid UTF-8 replaced).
    public var text: String { String(decoding: value, as: UTF8.self) }
}

/// Turns TLVs into session notes with upstream mod_proxy_protocol's names:
///
/// - ALPN (0x01) → `mod_proxy_protocol.alpn`, raw value
/// - AUTHORITY (0x02) → `mod_proxy_protocol.authority`, raw value
/// - UNIQUE_ID (0x05) → `mod_proxy_protocol.unique-id`, raw value
/// - SSL (0x20) sub-TLVs → `mod_proxy_protocol.tls.version` (0x21),
///   `.tls.common-name` (0x22), `.tls.cipher` (0x23),
///   `.tls.signature-algo` (0x24), `.tls.key-algo` (0x25); other sub-TLVs
///   and the client/verify fields make no note
/// - AWS (0xEA) subtype 0x01 → `mod_proxy_protocol.aws.vpc-endpoint-id`
/// - Azure (0xEE) subtype 0x01 with a 4-byte little-endian LinkID →
///   `mod_proxy_protocol.azure.private-endpoint-linkid`, in decimal
/// - CRC32C (0x03), NOOP (0x04), NETNS (0x30): no note (upstream only logs
///   NETNS); a malformed SSL/AWS/Azure value or an unknown vendor subtype
///   makes no note either
/// - any other type (including GCP 0xE0) → `mod_proxy_protocol.tlv.0xNN`
///   (NN = two upper-case hex digits), value = the raw bytes as lower-case
///   hex text, because the value may be binary and notes are C strings.
///   Upstream ignores such TLVs; this note is an addition.
///
/// A name is recorded once: the first TLV wins, as with pr_table_add().
public enum ProxyProtocolSessionNotes {
    public static let prefix = "mod_proxy_protocol."

    public static func notes(for tlvs: [ProxyProtocolTLV]) -> [ProxyProtocolSessionNote] {
        var notes: [ProxyProtocolSessionNote] = []
        var seen: Set<String> = []
        func add(_ name: String, _ value: [UInt8]) {
            if seen.insert(name).inserted { notes.append(ProxyProtocolSessionNote(name: prefix + name, value: value)) }
        }

        for tlv in tlvs {
            switch tlv.type {
            case ProxyProtocolTLVType.alpn: add("alpn", tlv.value)
            case ProxyProtocolTLVType.authority: add("authority", tlv.value)
            case ProxyProtocolTLVType.uniqueID: add("unique-id", tlv.value)
            case ProxyProtocolTLVType.crc32c, ProxyProtocolTLVType.noop, ProxyProtocolTLVType.netns: break
            case ProxyProtocolTLVType.ssl:
                guard case let .success(ssl) = ProxyProtocolSSLInfo.parse(tlv.value) else { break }
                for sub in ssl.subTLVs {
                    if let name = sslNoteNames[sub.type] { add(name, sub.value) }
                }
            case ProxyProtocolTLVType.aws:
                if tlv.value.first == ProxyProtocolCloudSubtype.awsVPCEndpointID {
                    add("aws.vpc-endpoint-id", Array(tlv.value.dropFirst()))
                }
            case ProxyProtocolTLVType.azure:
                if tlv.value.count == 5, tlv.value[0] == ProxyProtocolCloudSubtype.azurePrivateEndpointLinkID {
                    let linkID = tlv.value[1...4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    add("azure.private-endpoint-linkid", Array(String(linkID).utf8))
                }
            default:
                add("tlv." + ProxyProtocolDiagnosticText.hexByte(tlv.type),
                    Array(ProxyProtocolDiagnosticText.hex(tlv.value).filter { $0 != " " }.utf8))
            }
        }
        return notes
    }

    static let sslNoteNames: [UInt8: String] = [
        ProxyProtocolSSLSubTLVType.version: "tls.version",
        ProxyProtocolSSLSubTLVType.commonName: "tls.common-name",
        ProxyProtocolSSLSubTLVType.cipher: "tls.cipher",
        ProxyProtocolSSLSubTLVType.signatureAlgorithm: "tls.signature-algo",
        ProxyProtocolSSLSubTLVType.keyAlgorithm: "tls.key-algo",
    ]
}
