import Glibc

/// One request/reply exchange with an ssh-agent over its Unix socket,
/// every wait bounded (an agent that stalls must not hang the session).
struct AgentConnection {
    let socketPath: String
    var timeoutMilliseconds: Int32 = 5000

    /// Sends a framed request and returns the reply's body (without its length).
    func exchange(_ request: [UInt8]) throws -> [UInt8] {
        let fd = try connect()
        defer { close(fd) }
        let deadline = Self.now() + Int(timeoutMilliseconds)
        var off = 0
        while off < request.count {
            try wait(fd, for: Int16(POLLOUT), until: deadline)
            let n = request[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { throw PrivateKeyError("writing to the agent at \(socketPath): \(String(cString: strerror(errno)))") }
            off += n
        }
        var reply: [UInt8] = []
        var expected: Int?
        while expected.map({ reply.count < $0 + 4 }) ?? true {
            try wait(fd, for: Int16(POLLIN), until: deadline)
            var buf = [UInt8](repeating: 0, count: 16384)
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { throw PrivateKeyError("the agent at \(socketPath) closed the connection mid-reply") }
            reply += buf[0..<n]
            if expected == nil, reply.count >= 4 {
                let length = reply[0..<4].reduce(0) { $0 << 8 | Int($1) }
                guard length >= 1, length <= AgentProtocol.maxMessage else {
                    throw PrivateKeyError("the agent at \(socketPath) sent a reply of \(length) bytes")
                }
                expected = length
            }
        }
        guard reply.count == expected! + 4 else { throw PrivateKeyError("the agent at \(socketPath) sent more than one reply") }
        return Array(reply[4...])
    }

    private func connect() throws -> Int32 {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard !path.isEmpty, path.count < capacity else { throw PrivateKeyError("agent socket path \(socketPath) is empty or too long") }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: path) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw PrivateKeyError("socket: \(String(cString: strerror(errno)))") }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw PrivateKeyError("cannot connect to the agent at \(socketPath): \(reason)")
        }
        return fd
    }

    private func wait(_ fd: Int32, for events: Int16, until deadline: Int) throws {
        while true {
            let left = deadline - Self.now()
            guard left > 0 else { throw PrivateKeyError("the agent at \(socketPath) did not answer within \(timeoutMilliseconds) ms") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, Int32(left))
            if r < 0 && errno == EINTR { continue }
            if r > 0 { return }
        }
    }

    /// Monotonic milliseconds.
    private static func now() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }
}
