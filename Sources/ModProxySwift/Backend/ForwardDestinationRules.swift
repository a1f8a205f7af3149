import CProFTPD
import CShims
import Glibc
import ProxyCore

/// What a forward-proxy destination must pass before any connection leaves
/// the proxy: ProxyForwardTo, and not being the proxy itself (a loop).
enum ForwardDestinationRules {
    /// ProxyForwardTo, compiled once per session by ProFTPD's regex engine.
    private static var compiled: (pattern: ForwardToPattern, regex: ProFTPDRegex)?

    /// nil when ProxyForwardTo allows `hostPort` (or is not set); otherwise
    /// the ProxyLog line saying why not.
    static func forwardToRefusal(_ hostPort: String, options: SessionOptions) -> String? {
        guard let rule = options.forwardTo else { return nil }
        let regex: ProFTPDRegex
        if let compiled, compiled.pattern == rule {
            regex = compiled.regex
        } else {
            do {
                regex = try ProFTPDRegex(pattern: rule.pattern, ignoresCase: rule.ignoresCase)
            } catch {
                return "ProxyForwardTo: \(error); refusing '\(ConfigText.printable(hostPort))'"
            }
            compiled = (rule, regex)
        }
        let matched = regex.matches(hostPort)
        let shown = "host/port '\(ConfigText.printable(hostPort))'"
        if rule.isNegated && matched { return "\(shown) matched ProxyForwardTo !\(rule.pattern), rejecting" }
        if !rule.isNegated && !matched { return "\(shown) did not match ProxyForwardTo \(rule.pattern), rejecting" }
        return nil
    }

    /// Whether one of `addresses` is the proxy's own listening socket: the
    /// port the client connected to, on an address of this host (one a
    /// socket can bind to, which also covers 0.0.0.0 and other aliases the
    /// client may use for the same listener).
    static func isProxyItself(_ addresses: [SocketAddress]) -> SocketAddress? {
        guard let local = session.c?.pointee.local_addr else { return nil }
        let listeningPort = UInt16(bigEndian: UInt16(truncatingIfNeeded: pr_netaddr_get_port(local)))
        return addresses.first { $0.port == listeningPort && isLocal($0) }
    }

    private static func isLocal(_ address: SocketAddress) -> Bool {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var probe = address
        probe.port = 0
        return probe.withSockaddr { bind(fd, __CONST_SOCKADDR_ARG(__sockaddr__: $0), $1) } == 0
    }
}
