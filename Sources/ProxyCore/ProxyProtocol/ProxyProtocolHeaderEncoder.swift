/// Builds PROXY headers for mod_proxy to send to backend servers.
public enum ProxyProtocolHeaderEncoder {
    /// "PROXY TCP4 ...\r\n" for `.inet`, "PROXY TCP6 ...\r\n" (compressed
    /// IPv6 text) for `.inet6`, "PROXY UNKNOWN\r\n" for unix or unspecified
    /// endpoints, which v1 cannot express.
    public static func encodeV1(_ addresses: ProxyProtocolAddresses) throws -> [UInt8] {
        let line: String
        switch addresses {
        case let .inet(source, sourcePort, destination, destinationPort):
            try checkLength(source, 4, family: "IPv4")
            try checkLength(destination, 4, family: "IPv4")
            line = "PROXY TCP4 \(text(source)) \(text(destination)) \(sourcePort) \(destinationPort)"
        case let .inet6(source, sourcePort, destination, destinationPort):
            try checkLength(source, 16, family: "IPv6")
            try checkLength(destination, 16, family: "IPv6")
            line = "PROXY TCP6 \(text(source)) \(text(destination)) \(sourcePort) \(destinationPort)"
        case .unix, .unspecified:
            line = "PROXY UNKNOWN"
        }
        return Array((line + "\r\n").utf8)
    }

    /// The binary header. `transport` is ignored for `.unspecified`
    /// addresses (family byte 0x00). With `addCRC32C`, a CRC32C TLV is put
    /// first and filled in over the finished header.
    public static func encodeV2(command: ProxyProtocolCommand, transport: ProxyProtocolTransport = .stream,
                                addresses: ProxyProtocolAddresses, tlvs: [ProxyProtocolTLV] = [],
                                addCRC32C: Bool = false) throws -> [UInt8] {
        var payload: [UInt8] = []
        let familyNibble: UInt8
        switch addresses {
        case let .inet(source, sourcePort, destination, destinationPort):
            try checkLength(source, 4, family: "IPv4")
            try checkLength(destination, 4, family: "IPv4")
            familyNibble = 0x1
            payload += source + destination + bigEndian(sourcePort) + bigEndian(destinationPort)
        case let .inet6(source, sourcePort, destination, destinationPort):
            try checkLength(source, 16, family: "IPv6")
            try checkLength(destination, 16, family: "IPv6")
            familyNibble = 0x2
            payload += source + destination + bigEndian(sourcePort) + bigEndian(destinationPort)
        case let .unix(source, destination):
            familyNibble = 0x3
            payload += try paddedPath(source) + paddedPath(destination)
        case .unspecified:
            familyNibble = 0x0
        }
        let familyByte = familyNibble == 0 ? 0x00 : familyNibble << 4 | transport.nibble

        var allTLVs = tlvs
        if addCRC32C {
            guard !tlvs.contains(where: { $0.type == ProxyProtocolTLVType.crc32c }) else {
                throw ProxyProtocolEncodingError.crc32cAlreadyPresent
            }
            allTLVs.insert(ProxyProtocolTLV(type: ProxyProtocolTLVType.crc32c, value: [0, 0, 0, 0]), at: 0)
        }
        let crcOffset = ProxyProtocolHeaderDecoder.v2FixedLength + payload.count + 3
        for tlv in allTLVs {
            guard tlv.value.count <= ProxyProtocolTLV.maxValueLength else {
                throw ProxyProtocolEncodingError.tlvValueTooLong(type: tlv.type, count: tlv.value.count)
            }
            tlv.append(to: &payload)
        }
        guard payload.count <= Int(UInt16.max) else { throw ProxyProtocolEncodingError.headerTooLong(payloadLength: payload.count) }

        let versionCommand: UInt8 = command == .proxy ? 0x21 : 0x20
        var header = ProxyProtocolHeaderDecoder.v2Signature
        header += [versionCommand, familyByte] + bigEndian(UInt16(payload.count)) + payload
        if addCRC32C {
            let crc = CRC32C.checksum(header)
            header.replaceSubrange(crcOffset..<(crcOffset + 4), with: bigEndian(crc))
        }
        return header
    }

    /// Encodes `header` in its own version (v1 ignores command, transport
    /// and TLVs: a v1 line is always PROXY over TCP).
    public static func encode(_ header: ProxyProtocolHeader, addCRC32C: Bool = false) throws -> [UInt8] {
        if header.version == 1 { return try encodeV1(header.addresses) }
        return try encodeV2(command: header.command, transport: header.transport, addresses: header.addresses,
                            tlvs: header.tlvs, addCRC32C: addCRC32C)
    }

    private static func checkLength(_ bytes: [UInt8], _ expected: Int, family: String) throws {
        guard bytes.count == expected else { throw ProxyProtocolEncodingError.addressLength(family: family, count: bytes.count) }
    }

    private static func text(_ address: [UInt8]) -> String {
        IPAddress(bytes: address)?.description ?? ""
    }

    private static func paddedPath(_ path: [UInt8]) throws -> [UInt8] {
        let size = ProxyProtocolAddresses.unixPathLength
        guard path.count <= size else { throw ProxyProtocolEncodingError.unixPathTooLong(count: path.count) }
        return path + [UInt8](repeating: 0, count: size - path.count)
    }

    private static func bigEndian(_ value: UInt16) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}
