/// One session note derived from a TLV (ProFTPD stores it in session.notes,
/// NUL-terminated, for %{note:...} in ExtendedLog/SQLLog).
public struct ProxySessionNote: Equatable, Sendable {
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
public enum ProxySessionNotes {
    public static let prefix = "mod_proxy_protocol."

    public static func notes(for tlvs: [ProxyTLV]) -> [ProxySessionNote] {
        var notes: [ProxySessionNote] = []
        var seen: Set<String> = []
        func add(_ name: String, _ value: [UInt8]) {
            if seen.insert(name).inserted { notes.append(ProxySessionNote(name: prefix + name, value: value)) }
        }

        for tlv in tlvs {
            switch tlv.type {
            case ProxyTLVType.alpn: add("alpn", tlv.value)
            case ProxyTLVType.authority: add("authority", tlv.value)
            case ProxyTLVType.uniqueID: add("unique-id", tlv.value)
            case ProxyTLVType.crc32c, ProxyTLVType.noop, ProxyTLVType.netns: break
            case ProxyTLVType.ssl:
                guard case let .success(ssl) = ProxySSLInfo.parse(tlv.value) else { break }
                for sub in ssl.subTLVs {
                    if let name = sslNoteNames[sub.type] { add(name, sub.value) }
                }
            case ProxyTLVType.aws:
                if tlv.value.first == ProxyCloudSubtype.awsVPCEndpointID {
                    add("aws.vpc-endpoint-id", Array(tlv.value.dropFirst()))
                }
            case ProxyTLVType.azure:
                if tlv.value.count == 5, tlv.value[0] == ProxyCloudSubtype.azurePrivateEndpointLinkID {
                    let linkID = tlv.value[1...4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    add("azure.private-endpoint-linkid", Array(String(linkID).utf8))
                }
            default:
                add("tlv." + ProxyDiagnosticText.hexByte(tlv.type),
                    Array(ProxyDiagnosticText.hex(tlv.value).filter { $0 != " " }.utf8))
            }
        }
        return notes
    }

    static let sslNoteNames: [UInt8: String] = [
        ProxySSLSubTLVType.version: "tls.version",
        ProxySSLSubTLVType.commonName: "tls.common-name",
        ProxySSLSubTLVType.cipher: "tls.cipher",
        ProxySSLSubTLVType.signatureAlgorithm: "tls.signature-algo",
        ProxySSLSubTLVType.keyAlgorithm: "tls.key-algo",
    ]
}
