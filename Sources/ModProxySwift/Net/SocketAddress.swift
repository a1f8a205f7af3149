import CProFTPD
import Glibc
import ProxyCore

/// A numeric IPv4/IPv6 socket address, built with getaddrinfo(AI_NUMERICHOST)
/// or resolved from a host name (before the session is chrooted).
struct SocketAddress: CustomStringConvertible {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    var family: Int32 { Int32(storage.ss_family) }

    /// All addresses for `host` (numeric or a name) and `port`, in resolver order.
    static func resolve(host: String, port: UInt16, numericOnly: Bool = false) throws -> [SocketAddress] {
        // An address literal needs no lookup: AI_ADDRCONFIG alone costs a
        // netlink query of the host's addresses (every session connects).
        if !numericOnly, let numeric = try? resolve(host: host, port: port, numericOnly: true) { return numeric }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = numericOnly ? AI_NUMERICHOST : AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw ResolveError(host: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(first) }
        var result: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            if let sa = ai.pointee.ai_addr {
                var address = SocketAddress()
                address.length = ai.pointee.ai_addrlen
                withUnsafeMutableBytes(of: &address.storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen)))
                }
                result.append(address)
            }
            cursor = ai.pointee.ai_next
        }
        if result.isEmpty { throw ResolveError(host: host, reason: "no addresses") }
        return result
    }

    /// The address of a connected or bound socket.
    static func local(of fd: Int32) -> SocketAddress? {
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, __SOCKADDR_ARG(__sockaddr__: $0), &address.length) }
        }
        return rc == 0 ? address : nil
    }

    static func peer(of fd: Int32) -> SocketAddress? {
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, __SOCKADDR_ARG(__sockaddr__: $0), &address.length) }
        }
        return rc == 0 ? address : nil
    }

    var port: UInt16 {
        get {
            withUnsafeBytes(of: storage) { raw in
                family == AF_INET6
                    ? UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self))
                    : UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self))
            }
        }
        set {
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.storeBytes(of: newValue.bigEndian, toByteOffset: 2, as: UInt16.self)
            }
        }
    }

    /// "1.2.3.4:21" or "[::1]:21"
    var description: String {
        family == AF_INET6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafePointer(to: storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}

struct ResolveError: Error, CustomStringConvertible {
    let host: String
    let reason: String
    var description: String { "unable to resolve '\(host)': \(reason)" }
}

extension SocketAddress {
    /// A copy of a ProFTPD pr_netaddr_t.
    init(netaddr: UnsafePointer<pr_netaddr_t>) {
        self.init()
        if let sa = pr_netaddr_get_sockaddr(netaddr) {
            let len = Int(pr_netaddr_get_sockaddr_len(netaddr))
            length = socklen_t(len)
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: min(len, dst.count)))
            }
        }
    }

    /// The IP address (without the port).
    var ip: IPAddress {
        let raw = withUnsafeBytes(of: storage) { raw in
            family == AF_INET6 ? Array(raw[8..<24]) : Array(raw[4..<8])
        }
        return IPAddress(bytes: raw) ?? IPAddress(bytes: [0, 0, 0, 0])!
    }
}
