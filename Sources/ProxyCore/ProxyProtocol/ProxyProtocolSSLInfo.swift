/// The `client` bit field of the PP2_TYPE_SSL TLV. Unknown bits are kept.
public struct ProxyProtocolSSLClientFlags: OptionSet, Equatable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// PP2_CLIENT_SSL: the client connected over SSL/TLS.
    public static let ssl = ProxyProtocolSSLClientFlags(rawValue: 0x01)
    /// PP2_CLIENT_CERT_CONN: a client certificate was sent on this connection.
    public static let certificateOnConnection = ProxyProtocolSSLClientFlags(rawValue: 0x02)
    /// PP2_CLIENT_CERT_SESS: a client certificate was sent in this TLS session.
    public static let certificateInSession = ProxyProtocolSSLClientFlags(rawValue: 0x04)
}

/// The PP2_TYPE_SSL (0x20) TLV: client flags, the 32-bit verify result
/// (0 = certificate verified) and sub-TLVs (version, CN, cipher, algorithms).
/// Parses incoming values and builds outgoing ones for mod_proxy.
public struct ProxyProtocolSSLInfo: Equatable, Sendable {
    public var client: ProxyProtocolSSLClientFlags
    public var verify: UInt32
    public var subTLVs: [ProxyProtocolTLV]

    public init(client: ProxyProtocolSSLClientFlags, verify: UInt32, subTLVs: [ProxyProtocolTLV] = []) {
        self.client = client
        self.verify = verify
        self.subTLVs = subTLVs
    }

    /// Builder for the usual fields; nil strings are left out.
    public init(client: ProxyProtocolSSLClientFlags = .ssl, verified: Bool, version: String? = nil,
                cipher: String? = nil, commonName: String? = nil,
                signatureAlgorithm: String? = nil, keyAlgorithm: String? = nil) {
        let fields: [(UInt8, String?)] = [
            (ProxyProtocolSSLSubTLVType.version, version),
            (ProxyProtocolSSLSubTLVType.commonName, commonName),
            (ProxyProtocolSSLSubTLVType.cipher, cipher),
            (ProxyProtocolSSLSubTLVType.signatureAlgorithm, signatureAlgorithm),
            (ProxyProtocolSSLSubTLVType.keyAlgorithm, keyAlgorithm),
        ]
        self.init(client: client, verify: verified ? 0 : 1,
                  subTLVs: fields.compactMap { type, text in text.map { ProxyProtocolTLV(type: type, text: $0) } })
    }

    public var version: String? { text(ProxyProtocolSSLSubTLVType.version) }
    public var commonName: String? { text(ProxyProtocolSSLSubTLVType.commonName) }
    public var cipher: String? { text(ProxyProtocolSSLSubTLVType.cipher) }
    public var signatureAlgorithm: String? { text(ProxyProtocolSSLSubTLVType.signatureAlgorithm) }
    public var keyAlgorithm: String? { text(ProxyProtocolSSLSubTLVType.keyAlgorithm) }

    private func text(_ type: UInt8) -> String? {
        subTLVs.first { $0.type == type }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// Sub-TLV types that may only appear at top level.
    static let topLevelOnly: Set<UInt8> = [ProxyProtocolTLVType.ssl, ProxyProtocolTLVType.crc32c]

    /// Parses an SSL TLV value (not including the TLV's own type/length).
    public static func parse(_ value: [UInt8]) -> Result<ProxyProtocolSSLInfo, ProxyProtocolError> {
        guard value.count >= 5 else { return .failure(.sslTLVTooShort(length: value.count)) }
        let verify = value[1...4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        switch ProxyProtocolTLVScanner.scan(value[5...], offsetBase: 5) {
        case let .failure(.headerTruncated(offset, remaining)):
            return .failure(.sslSubTLVHeaderTruncated(offset: offset, remaining: remaining))
        case let .failure(.overrun(type, offset, declared, available)):
            return .failure(.sslSubTLVOverrun(type: type, offset: offset, declared: declared, available: available))
        case let .success(subTLVs):
            if let nested = subTLVs.first(where: { topLevelOnly.contains($0.type) }) {
                return .failure(.sslSubTLVNotAllowed(type: nested.type))
            }
            return .success(ProxyProtocolSSLInfo(client: ProxyProtocolSSLClientFlags(rawValue: value[0]), verify: verify, subTLVs: subTLVs))
        }
    }

    /// The complete PP2_TYPE_SSL TLV, ready for `encodeV2(tlvs:)`.
    public func encodedTLV() throws -> ProxyProtocolTLV {
        var value: [UInt8] = [client.rawValue]
        value.append(contentsOf: [UInt8(truncatingIfNeeded: verify >> 24), UInt8(truncatingIfNeeded: verify >> 16),
                                  UInt8(truncatingIfNeeded: verify >> 8), UInt8(truncatingIfNeeded: verify)])
        for sub in subTLVs {
            guard sub.value.count <= ProxyProtocolTLV.maxValueLength else {
                throw ProxyProtocolEncodingError.tlvValueTooLong(type: sub.type, count: sub.value.count)
            }
            sub.append(to: &value)
        }
        guard value.count <= ProxyProtocolTLV.maxValueLength else {
            throw ProxyProtocolEncodingError.tlvValueTooLong(type: ProxyProtocolTLVType.ssl, count: value.count)
        }
        return ProxyProtocolTLV(type: ProxyProtocolTLVType.ssl, value: value)
    }
}
