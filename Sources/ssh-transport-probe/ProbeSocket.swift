import Glibc

/// A blocking TCP socket with poll(2) deadlines: all the probe needs.
struct ProbeSocket {
    let fd: Int32

    init(host: String, port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProbeError("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw ProbeError("\(host) is not an IPv4 address") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw ProbeError("connect \(host):\(port): \(String(cString: strerror(errno)))") }
        // Key-exchange messages are small writes answered by the peer: without
        // this, Nagle and delayed ACKs stall every rekey by ~40 ms.
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    func writeAll(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ProbeError("write: \(String(cString: strerror(errno)))") }
            off += n
        }
    }

    /// Up to 64 KiB, waiting at most until `deadline` (monotonic seconds); [] at EOF.
    func read(until deadline: Double) throws -> [UInt8] {
        while true {
            let left = Int32(max(0, (deadline - Self.now()) * 1000))
            guard left > 0 else { throw ProbeError("timed out waiting for the server") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, left)
            if r < 0 && errno == EINTR { continue }
            if r == 0 { continue }
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ProbeError("read: \(String(cString: strerror(errno)))") }
            return Array(buf[0..<n])
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
