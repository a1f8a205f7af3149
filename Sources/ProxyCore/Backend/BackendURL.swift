import Glibc

/// A backend server as configured in ProxyReverseServers (or a JSON list):
/// `scheme://[user[:password]@]host[:port][/path]`.
///
/// - Schemes (case-insensitive): ftp, ftps, sftp and the DNS-discovery variants
///   ftp+srv, ftp+txt, ftps+srv, ftps+txt.
/// - IPv6 literals must be bracketed; zone ids ("%25eth0") are refused because
///   upstream refuses '%' in the authority and a link-local scope means nothing
///   to a configuration shared between hosts.
/// - User and password are percent-decoded; the password may contain '@'
///   (the last '@' ends the user info, as upstream does).
/// - A path is tolerated and ignored; queries and fragments are refused.
public struct BackendURL: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, CaseIterable, Sendable {
        case ftp
        case ftps
        case sftp
        case ftpSRV = "ftp+srv"
        case ftpTXT = "ftp+txt"
        case ftpsSRV = "ftps+srv"
        case ftpsTXT = "ftps+txt"

        /// The protocol spoken to the backend, without the DNS-discovery suffix.
        public var baseProtocol: String {
            switch self {
            case .ftp, .ftpSRV, .ftpTXT: return "ftp"
            case .ftps, .ftpsSRV, .ftpsTXT: return "ftps"
            case .sftp: return "sftp"
            }
        }

        public var defaultPort: UInt16 { self == .sftp ? 22 : 21 }
    }

    /// How the real backend addresses are discovered for +srv / +txt schemes.
    public enum DNSDiscovery: Sendable {
        case srv
        case txt
    }

    public let scheme: Scheme
    /// The host name or numeric address, without brackets.
    public let host: String
    /// The explicit port, or the scheme's default. For +srv/+txt schemes the
    /// real port comes from DNS and this value is ignored (as upstream does).
    public let port: UInt16
    public let hasExplicitPort: Bool
    public let isIPv6Literal: Bool
    public let username: String?
    /// Never log this; `description` omits it.
    public let password: String?

    /// ftps with port 990 means implicit FTPS (TLS from the first byte).
    public var usesImplicitTLS: Bool { scheme == .ftps && port == 990 }

    /// ftps schemes require TLS to the backend, whatever ProxyTLSEngine says.
    public var requiresTLS: Bool { scheme.baseProtocol == "ftps" }

    public var dnsDiscovery: DNSDiscovery? {
        switch scheme {
        case .ftpSRV, .ftpsSRV: return .srv
        case .ftpTXT, .ftpsTXT: return .txt
        default: return nil
        }
    }

    public var isIPv4Literal: Bool { !isIPv6Literal && IPAddress.ipv4(host) != nil }

    /// "host:port", with brackets around IPv6 literals.
    public var hostPort: String {
        (isIPv6Literal ? "[\(host)]" : host) + ":\(port)"
    }

    /// The URL without the password (safe to log).
    public var description: String {
        var text = scheme.rawValue + "://"
        if let username {
            text += URLPercentEncoding.encodeUserInfo(username) + "@"
        }
        return text + hostPort
    }

    /// The full URL including the password, percent-encoded, for storage that
    /// must round-trip (never for logs).
    public var stringWithCredentials: String {
        var text = scheme.rawValue + "://"
        if let username {
            text += URLPercentEncoding.encodeUserInfo(username)
            if let password { text += ":" + URLPercentEncoding.encodeUserInfo(password) }
            text += "@"
        }
        return text + hostPort
    }

    public init(scheme: Scheme, host: String, port: UInt16? = nil,
                username: String? = nil, password: String? = nil) throws {
        let ipv6 = host.contains(":")
        var text = scheme.rawValue + "://"
        if let username {
            text += URLPercentEncoding.encodeUserInfo(username)
            if let password { text += ":" + URLPercentEncoding.encodeUserInfo(password) }
            text += "@"
        }
        text += ipv6 ? "[\(host)]" : host
        if let port { text += ":\(port)" }
        self = try BackendURL(parsing: text)
    }

    /// Parses and validates a backend URL; throws `BackendURLError`.
    public init(parsing text: String) throws {
        self = try BackendURLParser.parse(text)
    }

    /// Two URLs are equal when they name the same backend with the same
    /// credentials; whether the port was written out does not matter.
    public static func == (lhs: BackendURL, rhs: BackendURL) -> Bool {
        lhs.scheme == rhs.scheme && lhs.host == rhs.host && lhs.port == rhs.port
            && lhs.isIPv6Literal == rhs.isIPv6Literal && lhs.username == rhs.username && lhs.password == rhs.password
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(username)
        hasher.combine(password)
    }

    init(scheme: Scheme, host: String, port: UInt16, hasExplicitPort: Bool,
         isIPv6Literal: Bool, username: String?, password: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.hasExplicitPort = hasExplicitPort
        self.isIPv6Literal = isIPv6Literal
        self.username = username
        self.password = password
    }
}

/// Why a URL was refused. The echoed URL has its password masked.
public struct BackendURLError: Error, Hashable, CustomStringConvertible, Sendable {
    public let url: String
    public let reason: String

    public var description: String {
        "'\(url)' is not a supported URL: \(reason)"
    }

    init(input: String, reason: String) {
        self.url = ConfigText.printable(URLPercentEncoding.maskingPassword(in: input), limit: 200)
        self.reason = reason
    }
}
