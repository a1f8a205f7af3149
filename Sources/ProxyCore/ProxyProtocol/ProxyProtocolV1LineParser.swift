/// The v1 text line: "PROXY" SP proto SP src SP dst SP sport SP dport CRLF,
/// at most 107 bytes, or "PROXY UNKNOWN" followed by anything up to CRLF.
/// Strict: exactly one space between fields, IP literals only (no host
/// names, no IPv6 zones), plain decimal ports 1-65535 (upstream rejects 0).
enum ProxyProtocolV1LineParser {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20

    /// Shortest complete lines, to ask for more than 2 bytes while it is safe:
    /// "PROXY UNKNOWN\r\n", "PROXY TCP6 :: :: 1 1\r\n",
    /// "PROXY TCP4 0.0.0.0 0.0.0.0 1 1\r\n".
    static let minimumUnknownLength = 15
    static let minimumTCP6Length = 22
    static let minimumTCP4Length = 32

    /// `bytes` starts with "PROXY " and holds at most the header-size cap.
    static func decode(_ bytes: [UInt8]) -> ProxyProtocolDecodeStep {
        let count = bytes.count
        let prefixLength = ProxyProtocolHeaderDecoder.v1Prefix.count
        let maxLine = ProxyProtocolHeaderDecoder.v1MaxLineLength
        // A CR can end the line only if its LF still fits in 107 bytes.
        let scanEnd = min(count, maxLine - 1)
        var index = prefixLength
        while index < scanEnd {
            let byte = bytes[index]
            if byte == cr {
                guard index + 1 < count else { return .needMore(1) }
                guard bytes[index + 1] == lf else { return .invalid(.v1InvalidByte(cr, offset: index)) }
                return parse(bytes[0..<index], consumed: index + 2)
            }
            guard (0x20...0x7E).contains(byte) else { return .invalid(.v1InvalidByte(byte, offset: index)) }
            index += 1
        }
        guard count < maxLine - 1 else { return .invalid(.v1LineTooLong(limit: maxLine)) }
        // No CR yet: the line needs at least CR LF more, and at least the
        // shortest line its protocol allows.
        return .needMore(max(2, minimumLength(bytes) - count))
    }

    private static func minimumLength(_ bytes: [UInt8]) -> Int {
        let proto = bytes.dropFirst(ProxyProtocolHeaderDecoder.v1Prefix.count).prefix(5)
        if proto.elementsEqual("TCP4 ".utf8) { return minimumTCP4Length }
        if proto.elementsEqual("TCP6 ".utf8) { return minimumTCP6Length }
        return minimumUnknownLength
    }

    /// `line` is the whole line without CRLF; every byte is printable ASCII.
    private static func parse(_ line: ArraySlice<UInt8>, consumed: Int) -> ProxyProtocolDecodeStep {
        let prefixLength = ProxyProtocolHeaderDecoder.v1Prefix.count
        let lineText = String(decoding: line, as: UTF8.self)
        let body = line.dropFirst(prefixLength)
        let fields = body.split(separator: space, omittingEmptySubsequences: false)

        if let first = fields.first, first.elementsEqual("UNKNOWN".utf8) {
            // The receiver must ignore whatever follows UNKNOWN.
            let header = ProxyProtocolHeader(version: 1, command: .proxy, transport: .unspecified, addresses: .unspecified)
            return .complete(header, consumed: consumed)
        }
        if body.isEmpty { return .invalid(.v1MissingFields(line: lineText, found: 1)) }
        if let offset = extraSpaceOffset(fields, lineEnd: line.endIndex) {
            return .invalid(.v1ExtraSpace(line: lineText, offset: offset))
        }

        let protocolName = String(decoding: fields[0], as: UTF8.self)
        guard protocolName == "TCP4" || protocolName == "TCP6" else {
            return .invalid(.v1UnsupportedProtocol(protocolName))
        }
        guard fields.count == 5 else {
            return .invalid(fields.count < 5 ? .v1MissingFields(line: lineText, found: fields.count + 1)
                                             : .v1TooManyFields(line: lineText, found: fields.count + 1))
        }
        let text = fields.map { String(decoding: $0, as: UTF8.self) }
        let isIPv4 = protocolName == "TCP4"

        let source: [UInt8], destination: [UInt8], sourcePort: UInt16, destinationPort: UInt16
        switch address(text[1], field: .sourceAddress, isIPv4: isIPv4, protocolName: protocolName) {
        case let .failure(error): return .invalid(error)
        case let .success(bytes): source = bytes
        }
        switch address(text[2], field: .destinationAddress, isIPv4: isIPv4, protocolName: protocolName) {
        case let .failure(error): return .invalid(error)
        case let .success(bytes): destination = bytes
        }
        switch port(text[3], field: .sourcePort) {
        case let .failure(error): return .invalid(error)
        case let .success(value): sourcePort = value
        }
        switch port(text[4], field: .destinationPort) {
        case let .failure(error): return .invalid(error)
        case let .success(value): destinationPort = value
        }

        if source == destination, sourcePort == destinationPort {
            return .invalid(.identicalEndpoints(address: text[1], port: sourcePort))
        }
        let addresses: ProxyProtocolAddresses = isIPv4
            ? .inet(source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort)
            : .inet6(source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort)
        return .complete(ProxyProtocolHeader(version: 1, command: .proxy, transport: .stream, addresses: addresses),
                         consumed: consumed)
    }

    /// Offset in the line of the first superfluous space, if any field is empty.
    private static func extraSpaceOffset(_ fields: [ArraySlice<UInt8>], lineEnd: Int) -> Int? {
        guard let empty = fields.first(where: { $0.isEmpty }) else { return nil }
        // An empty field sits where the next separator is; at the very end
        // the culprit is the trailing space before it.
        return empty.startIndex < lineEnd ? empty.startIndex : lineEnd - 1
    }

    private static func address(_ text: String, field: ProxyProtocolV1Field, isIPv4: Bool,
                                protocolName: String) -> Result<[UInt8], ProxyProtocolError> {
        if text.contains("%") { return .failure(.v1ZonedAddress(field: field, value: text)) }
        if let bytes = (isIPv4 ? IPAddress.ipv4(text) : IPAddress.ipv6(text))?.bytes {
            return .success(bytes)
        }
        let otherFamily = isIPv4 ? IPAddress.ipv6(text) : IPAddress.ipv4(text)
        if otherFamily != nil {
            return .failure(.v1AddressFamilyMismatch(protocolName: protocolName, field: field, value: text))
        }
        return .failure(.v1InvalidAddress(field: field, value: text))
    }

    private static func port(_ text: String, field: ProxyProtocolV1Field) -> Result<UInt16, ProxyProtocolError> {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }),
              digits.count == 1 || digits[0] != 0x30 else {
            return .failure(.v1NonCanonicalPort(field: field, value: text))
        }
        // At most 5 digits can be in range; longer ones never get multiplied.
        guard digits.count <= 5 else { return .failure(.v1PortOutOfRange(field: field, value: text)) }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard (1...65535).contains(value) else { return .failure(.v1PortOutOfRange(field: field, value: text)) }
        return .success(UInt16(value))
    }
}
