/// The grammar behind `BackendURL(parsing:)`, one step per component.
enum BackendURLParser {
    static let supportedSchemes = BackendURL.Scheme.allCases.map(\.rawValue).joined(separator: ", ")

    static func parse(_ text: String) throws -> BackendURL {
        func fail(_ reason: String) -> BackendURLError { BackendURLError(input: text, reason: reason) }

        let bytes = Array(text.utf8)
        if bytes.isEmpty { throw fail("empty URL") }
        if bytes.count > 2048 { throw fail("longer than 2048 bytes") }
        if bytes.contains(where: { $0 >= 0x80 }) {
            throw fail("contains a non-ASCII character (percent-encode credentials, use punycode for host names)")
        }
        if bytes.contains(where: ASCII.isControlOrSpace) {
            throw fail("contains whitespace or a control character")
        }

        // scheme "://"
        guard let schemeEnd = bytes.firstRange(of: Array("://".utf8))?.lowerBound else {
            throw fail("missing '://' after the scheme")
        }
        let schemeText = String(decoding: bytes[0..<schemeEnd], as: UTF8.self).lowercased()
        guard let scheme = BackendURL.Scheme(rawValue: schemeText) else {
            throw fail("unknown scheme '\(ConfigText.printable(schemeText))' (expected \(supportedSchemes))")
        }

        // authority ends at the first '/', '?' or '#'.
        let authorityStart = schemeEnd + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count,
              bytes[authorityEnd] != UInt8(ascii: "/"),
              bytes[authorityEnd] != UInt8(ascii: "?"),
              bytes[authorityEnd] != UInt8(ascii: "#") {
            authorityEnd += 1
        }
        if authorityEnd < bytes.count {
            let rest = bytes[authorityEnd...]
            if let bad = rest.first(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
                throw fail("unexpected '\(Character(Unicode.Scalar(bad)))' (queries and fragments are not supported)")
            }
        }
        var authority = bytes[authorityStart..<authorityEnd]
        if authority.isEmpty { throw fail("missing host after '//'") }

        // user info: everything before the last '@'.
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            let userInfo = authority[authority.startIndex..<at]
            authority = authority[(at + 1)...]
            let colon = userInfo.firstIndex(of: UInt8(ascii: ":"))
            let userPart = colon.map { userInfo[userInfo.startIndex..<$0] } ?? userInfo
            if userPart.isEmpty { throw fail("empty user name before '@'") }
            username = try decodeCredential(userPart, what: "user name", fail: fail)
            if let colon {
                password = try decodeCredential(userInfo[(colon + 1)...], what: "password", fail: fail)
            }
        }
        if authority.isEmpty { throw fail("missing host after '@'") }

        // host, bracketed for IPv6.
        var host: String
        var isIPv6 = false
        var portPart: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw fail("missing ']' after IPv6 address")
            }
            let literal = authority[(authority.startIndex + 1)..<close]
            host = String(decoding: literal, as: UTF8.self)
            if literal.contains(UInt8(ascii: "%")) {
                throw fail("IPv6 zone identifiers are not supported in '[\(host)]'")
            }
            guard IPAddress.ipv6(host) != nil else {
                throw fail("'[\(ConfigText.printable(host))]' is not a valid IPv6 address")
            }
            isIPv6 = true
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else {
                    throw fail("unexpected characters after ']'")
                }
                portPart = after.dropFirst()
            }
        } else {
            let colons = authority.filter { $0 == UInt8(ascii: ":") }.count
            if colons > 1 {
                throw fail("IPv6 addresses must be enclosed in brackets, e.g. ftp://[::1]:21")
            }
            if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
                host = String(decoding: authority[authority.startIndex..<colon], as: UTF8.self)
                portPart = authority[(colon + 1)...]
            } else {
                host = String(decoding: authority, as: UTF8.self)
            }
            if host.isEmpty { throw fail("empty host") }
            if let reason = HostNameSyntax.problem(with: host) { throw fail(reason) }
        }

        // port
        var port = scheme.defaultPort
        if let portPart {
            let shown = ConfigText.printable(portPart)
            if portPart.isEmpty { throw fail("empty port after ':'") }
            guard portPart.allSatisfy(ASCII.isDigit) else {
                throw fail("port '\(shown)' is not a number")
            }
            guard let value = ASCII.decimalValue(portPart, limit: 65535), value > 0 else {
                throw fail("port '\(shown)' is out of range (1-65535)")
            }
            port = UInt16(value)
        }

        if isIPv6 { host = host.lowercased() }
        return BackendURL(scheme: scheme, host: host, port: port, hasExplicitPort: portPart != nil,
                          isIPv6Literal: isIPv6, username: username, password: password)
    }

    private static func decodeCredential(_ raw: ArraySlice<UInt8>, what: String,
                                         fail: (String) -> BackendURLError) throws -> String {
        guard let decoded = URLPercentEncoding.decode(raw) else {
            throw fail("malformed percent-encoding in \(what)")
        }
        // CR, LF or NUL in a credential would inject FTP/SSH protocol data.
        if decoded.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw fail("\(what) contains a control character")
        }
        guard let text = String(validatingUTF8Bytes: decoded) else {
            throw fail("\(what) is not valid UTF-8 after percent-decoding")
        }
        return text
    }

}

fileprivate extension String {
    /// Strict UTF-8 decoding: nil instead of replacement characters.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var result = ""
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): result.unicodeScalars.append(scalar)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = result
    }
}

/// Host names: labels of letters, digits, '-' and '_' (for SRV names like
/// "_ftp._tcp.example.com"), 1-63 bytes each, 253 in all; an all-numeric
/// dotted name must be a valid IPv4 address.
enum HostNameSyntax {
    static func problem(with host: String) -> String? {
        let shown = ConfigText.printable(host)
        var bytes = Array(host.utf8)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() } // fully qualified
        if bytes.isEmpty || bytes.count > 253 { return "invalid host name '\(shown)'" }
        if bytes.allSatisfy({ ASCII.isDigit($0) || $0 == UInt8(ascii: ".") }) {
            return IPAddress.ipv4(host) != nil ? nil : "'\(shown)' is not a valid IPv4 address"
        }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            if label.isEmpty || label.count > 63 { return "invalid host name '\(shown)' (empty or over-long label)" }
            if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
                return "invalid host name '\(shown)' (label starts or ends with '-')"
            }
            for byte in label where !(ASCII.isAlpha(byte) || ASCII.isDigit(byte)
                                      || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")) {
                return "invalid character '\(Character(Unicode.Scalar(byte)))' in host name '\(shown)'"
            }
        }
        return nil
    }
}
