import CProFTPD
import Glibc

/// A non-blocking TCP socket owned by the module (backend control and data
/// connections): the plain ByteTransport. Every wait is a poll(2) bounded
/// by a `Deadline`; EINTR lets ProFTPD handle its signals (timers, SIGTERM)
/// and the wait goes on.
final class TCPSocket: ByteTransport {
    private(set) var fd: Int32

    init(adopting fd: Int32) {
        self.fd = fd
        setNonBlocking()
    }

    deinit { close() }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Gives up ownership of the descriptor.
    func release() -> Int32 {
        let released = fd
        fd = -1
        return released
    }

    private func setNonBlocking() {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    func setNoDelay() {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Connects to `address` within `deadline`, optionally bound to `source`.
    static func connect(to address: SocketAddress, from source: SocketAddress? = nil,
                        deadline: Deadline) throws -> TCPSocket {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        let sock = TCPSocket(adopting: fd)
        if var src = source {
            src.port = 0
            let rc = src.withSockaddr { bind(fd, __CONST_SOCKADDR_ARG(__sockaddr__: $0), $1) }
            guard rc == 0 else { throw SystemError("bind to \(src.ip.description)") }
        }
        let rc = address.withSockaddr { Glibc.connect(fd, __CONST_SOCKADDR_ARG(__sockaddr__: $0), $1) }
        if rc != 0 {
            guard errno == EINPROGRESS else { throw SystemError("connect to \(address)") }
            try pollDescriptor(fd, events: Int16(POLLOUT), until: deadline, what: "connect to \(address)")
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError != 0 { throw SystemError("connect to \(address)", soError) }
        }
        sock.setNoDelay()
        return sock
    }

    /// A listening socket on `address` (port 0 = any), backlog 1.
    static func listen(on address: SocketAddress) throws -> TCPSocket {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        let sock = TCPSocket(adopting: fd)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = address.withSockaddr { bind(fd, __CONST_SOCKADDR_ARG(__sockaddr__: $0), $1) }
        guard rc == 0 else { throw SystemError("bind to \(address)") }
        guard Glibc.listen(fd, 1) == 0 else { throw SystemError("listen on \(address)") }
        return sock
    }

    /// A listening socket on a free port of `ports` (tried from a random
    /// one on, every port once), or nil when none is free.
    static func listen(on address: SocketAddress, anyPortIn ports: ClosedRange<Int>) -> TCPSocket? {
        let count = ports.count
        guard count > 0, ports.lowerBound > 0, ports.upperBound <= 65535 else { return nil }
        let start = Int.random(in: 0..<count)
        for i in 0..<count {
            var candidate = address
            candidate.port = UInt16(ports.lowerBound + (start + i) % count)
            if let sock = try? listen(on: candidate) { return sock }
        }
        return nil
    }

    /// Accepts one connection within `deadline`.
    func accept(deadline: Deadline) throws -> TCPSocket {
        while true {
            let client = accept4(fd, __SOCKADDR_ARG(__sockaddr__: nil), nil, Int32(SOCK_CLOEXEC.rawValue))
            if client >= 0 { return TCPSocket(adopting: client) }
            if errno == EINTR { pr_signals_handle(); continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw SystemError("accept") }
            try pollDescriptor(fd, events: Int16(POLLIN), until: deadline, what: "accept")
        }
    }

    // MARK: ByteTransport

    var hasBufferedInput: Bool { false }
    var isKernelSocket: Bool { true }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep {
        SocketIO.receive(fd, into: buffer)
    }

    func transmit(_ bytes: UnsafeRawBufferPointer) -> TransportStep {
        SocketIO.transmit(fd, bytes)
    }

    /// Half-close: tells the peer no more data follows.
    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    func abortConnection() {
        resetOnClose(fd)
        close()
    }
}
