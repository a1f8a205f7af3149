/// The v2 binary header: 12-byte signature, version/command byte,
/// family/transport byte, 16-bit big-endian length, then the address block
/// and TLVs. Everything the fixed 16 bytes can reveal (version, command,
/// family, length limits) is checked before waiting for the rest.
enum ProxyProtocolV2HeaderParser {
    /// `bytes` starts with the first 6 signature bytes.
    static func decode(_ bytes: [UInt8], accepting: ProxyProtocolVersion,
                       limits: ProxyProtocolHeaderLimits) -> ProxyProtocolDecodeStep {
        let signature = ProxyProtocolHeaderDecoder.v2Signature
        if bytes.count >= signature.count, !bytes[0..<signature.count].elementsEqual(signature) {
            return .invalid(.notProxyProtocol(prefix: Array(bytes[0..<signature.count]), expected: accepting,
                                              looksLike: nil))
        }
        let fixedLength = ProxyProtocolHeaderDecoder.v2FixedLength
        guard bytes.count >= fixedLength else { return .needMore(fixedLength - bytes.count) }

        let versionCommand = bytes[12]
        guard versionCommand >> 4 == 2 else { return .invalid(.v2UnsupportedVersion(versionCommand)) }
        let command: ProxyProtocolCommand
        switch versionCommand & 0x0F {
        case 0x0: command = .local
        case 0x1: command = .proxy
        default: return .invalid(.v2UnsupportedCommand(versionCommand))
        }

        let family = bytes[13]
        let length = Int(bytes[14]) << 8 | Int(bytes[15])
        // LOCAL: the family is ignored (the block is discarded), so only the
        // length is policed.
        let addressLength = addressBlockLength(family: family)
        if command == .proxy, addressLength == nil { return .invalid(.v2UnsupportedFamily(family)) }
        guard length <= limits.maxV2PayloadLength else {
            return .invalid(.v2PayloadTooLarge(length: length, limit: limits.maxV2PayloadLength))
        }
        if command == .proxy, let required = addressLength, length < required {
            return .invalid(.v2AddressBlockTooShort(family: family, length: length, required: required))
        }

        let total = fixedLength + length
        guard bytes.count >= total else { return .needMore(total - bytes.count) }
        let header = bytes[0..<total]

        guard command == .proxy, let required = addressLength, family != 0x00 else {
            // LOCAL, or PROXY with AF_UNSPEC: addresses (and whatever
            // follows them) are to be ignored; use the real endpoints.
            let result = ProxyProtocolHeader(version: 2, command: command, transport: .unspecified, addresses: .unspecified)
            return .complete(result, consumed: total)
        }

        let addresses = parseAddresses(header, family: family)
        let tlvStart = fixedLength + required
        let tlvs: [ProxyProtocolTLV]
        switch ProxyProtocolTLVScanner.scan(header[tlvStart...], offsetBase: tlvStart) {
        case let .failure(.headerTruncated(offset, remaining)):
            return .invalid(.tlvHeaderTruncated(offset: offset, remaining: remaining))
        case let .failure(.overrun(type, offset, declared, available)):
            return .invalid(.tlvOverrun(type: type, offset: offset, declared: declared, available: available))
        case let .success(records):
            tlvs = records
        }

        if let error = checkCRC32C(header, tlvs: tlvs, tlvStart: tlvStart) { return .invalid(error) }
        for tlv in tlvs where tlv.type == ProxyProtocolTLVType.ssl {
            if case let .failure(error) = ProxyProtocolSSLInfo.parse(tlv.value) { return .invalid(error) }
        }
        if let error = identicalEndpoints(addresses) { return .invalid(error) }

        let transport: ProxyProtocolTransport = family & 0x0F == 0x2 ? .dgram : .stream
        return .complete(ProxyProtocolHeader(version: 2, command: .proxy, transport: transport,
                                     addresses: addresses, tlvs: tlvs),
                         consumed: total)
    }

    /// Address block size per family byte; nil for values the spec says a
    /// receiver must reject.
    static func addressBlockLength(family: UInt8) -> Int? {
        switch family {
        case 0x00: return 0
        case 0x11, 0x12: return ProxyProtocolAddresses.inetBlockLength
        case 0x21, 0x22: return ProxyProtocolAddresses.inet6BlockLength
        case 0x31, 0x32: return ProxyProtocolAddresses.unixBlockLength
        default: return nil
        }
    }

    /// `header` holds at least the family's address block after 16 bytes.
    private static func parseAddresses(_ header: ArraySlice<UInt8>, family: UInt8) -> ProxyProtocolAddresses {
        func port(at offset: Int) -> UInt16 { UInt16(header[offset]) << 8 | UInt16(header[offset + 1]) }
        switch family >> 4 {
        case 0x1:
            return .inet(source: Array(header[16..<20]), sourcePort: port(at: 24),
                         destination: Array(header[20..<24]), destinationPort: port(at: 26))
        case 0x2:
            return .inet6(source: Array(header[16..<32]), sourcePort: port(at: 48),
                          destination: Array(header[32..<48]), destinationPort: port(at: 50))
        default:
            let pathLength = ProxyProtocolAddresses.unixPathLength
            return .unix(source: unixPath(header[16..<(16 + pathLength)]),
                         destination: unixPath(header[(16 + pathLength)..<(16 + 2 * pathLength)]))
        }
    }

    /// A filesystem path ends at its first NUL; an abstract-namespace path
    /// starts with NUL, so there only the trailing NUL padding is dropped.
    static func unixPath(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        if raw.first == 0 {
            let lastNonNUL = raw.lastIndex { $0 != 0 }
            return lastNonNUL.map { Array(raw[raw.startIndex...$0]) } ?? []
        }
        return Array(raw.prefix { $0 != 0 })
    }

    /// Verifies a CRC32C TLV: the checksum of the whole header with the
    /// TLV's 4 value bytes zeroed.
    private static func checkCRC32C(_ header: ArraySlice<UInt8>, tlvs: [ProxyProtocolTLV], tlvStart: Int) -> ProxyProtocolError? {
        var valueOffset: Int?
        var offset = tlvStart
        for tlv in tlvs {
            if tlv.type == ProxyProtocolTLVType.crc32c {
                guard valueOffset == nil else { return .crc32cDuplicate }
                guard tlv.value.count == 4 else { return .crc32cBadLength(tlv.value.count) }
                valueOffset = offset + 3
            }
            offset += 3 + tlv.value.count
        }
        guard let crcOffset = valueOffset else { return nil }
        let received = header[crcOffset..<(crcOffset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        var zeroed = Array(header)
        zeroed.replaceSubrange(crcOffset..<(crcOffset + 4), with: [0, 0, 0, 0])
        let computed = CRC32C.checksum(zeroed)
        return received == computed ? nil : .crc32cMismatch(received: received, computed: computed)
    }

    /// Upstream refuses a source address/port equal to the destination.
    private static func identicalEndpoints(_ addresses: ProxyProtocolAddresses) -> ProxyProtocolError? {
        switch addresses {
        case let .inet(source, sourcePort, destination, destinationPort),
             let .inet6(source, sourcePort, destination, destinationPort):
            guard source == destination, sourcePort == destinationPort else { return nil }
            return .identicalEndpoints(address: IPAddress(bytes: source)?.description ?? "?", port: sourcePort)
        case .unix, .unspecified:
            return nil
        }
    }
}
