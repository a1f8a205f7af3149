/// The destination a forward-proxy client names in its USER argument,
/// `name@host[:port]` (ProxyForwardMethod user@host, proxyuser,user@host and
/// proxyuser@host,user).
///
/// The last '@' separates the name from the destination, so names may
/// contain '@' (e.g. e-mail addresses as FTP user names). The destination
/// follows the host grammar of backend URLs: a name, an IPv4 address or a
/// bracketed IPv6 address, then an optional port (default 21). Port 990
/// means implicit FTPS, as in `ftps://host:990` backend URLs. Unlike the C
/// module, which takes the last ':' of the whole argument as the port's
/// start, a ':' in the name or inside brackets is not mistaken for one.
public struct ForwardDestination: Hashable, Sendable {
    /// The user name to send to the destination (or the proxy user's name,
    /// for proxyuser@host,user).
    public let name: String
    /// The destination as a backend URL: `ftp://host:port`, or
    /// `ftps://host:990` for implicit FTPS.
    public let url: BackendURL

    /// "host:port" (IPv6 in brackets), what ProxyForwardTo patterns match.
    public var hostPort: String { url.hostPort }

    /// The longest USER argument looked at; FTP lines are bounded anyway,
    /// this keeps log lines and error texts short.
    public static let maximumLength = 1024

    public init(parsingUserArgument argument: String) throws {
        func fail(_ reason: String) -> ForwardDestinationError {
            ForwardDestinationError(argument: argument, reason: reason)
        }
        let bytes = Array(argument.utf8)
        if bytes.count > Self.maximumLength {
            throw fail("longer than \(Self.maximumLength) bytes")
        }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else {
            throw fail("missing the '@' between the user name and the destination host")
        }
        let name = bytes[..<at]
        let destination = bytes[(at + 1)...]
        if name.isEmpty { throw fail("empty user name before '@'") }
        if name.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw fail("the user name contains a control character")
        }
        if destination.isEmpty { throw fail("empty destination after '@'") }
        // Only a host and a port may follow: no path, query or second URL part.
        if let bad = destination.first(where: { ASCII.isControlOrSpace($0) || $0 == UInt8(ascii: "/")
                                                || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            throw fail("unexpected character \(Self.shown(bad)) in the destination")
        }
        let hostPort = String(decoding: destination, as: UTF8.self)
        var url: BackendURL
        do {
            url = try BackendURL(parsing: "ftp://" + hostPort)
        } catch let error as BackendURLError {
            throw fail(error.reason)
        }
        if url.port == 990 {
            url = BackendURL(scheme: .ftps, host: url.host, port: url.port, hasExplicitPort: true,
                             isIPv6Literal: url.isIPv6Literal, username: nil, password: nil)
        }
        self.name = String(decoding: name, as: UTF8.self)
        self.url = url
    }

    private static func shown(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}

/// Why a USER argument names no usable destination. The text is meant for
/// ProxyLog; the client gets upstream's plain "530 Login incorrect.".
public struct ForwardDestinationError: Error, Hashable, CustomStringConvertible, Sendable {
    public let argument: String
    public let reason: String

    public var description: String {
        "USER '\(ConfigText.printable(argument))' names no usable destination: \(reason)"
    }
}
