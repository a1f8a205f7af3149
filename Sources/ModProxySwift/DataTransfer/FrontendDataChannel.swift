import CProFTPD
import CShims
import Glibc
import ProxyCore

/// The client's side of the next data transfer, as the client negotiated it
/// with PASV/EPSV (we listen) or PORT/EPRT (we connect). Frontend data goes
/// through ProFTPD's inet/NetIO API so mod_tls can protect it (PROT P).
final class FrontendDataChannel {
    enum Mode {
        case passive(listener: UnsafeMutablePointer<conn_t>)
        case active(address: UnsafeMutablePointer<pr_netaddr_t>, port: UInt16)
    }

    struct Failure: Error, CustomStringConvertible {
        let code: String
        let message: String
        var description: String { "\(code) \(message)" }
    }

    private(set) var mode: Mode?
    /// The open data connection during a transfer.
    private(set) var connection: UnsafeMutablePointer<conn_t>?

    var isPrepared: Bool { mode != nil }

    deinit { reset() }

    /// Closes any listener or connection from an earlier negotiation.
    func reset() {
        closeConnection()
        if case .passive(let listener)? = mode {
            pr_inet_close(session.pool, listener)
        }
        mode = nil
    }

    // MARK: - negotiation

    /// A listening conn on `address`, in the PassivePorts range when one is
    /// set. Sessions bind with SO_REUSEADDR, so two of them can bind the
    /// same free port and the second one's listen(2) then fails with
    /// EADDRINUSE (core_pasv answers 425 then): that one tries another
    /// port instead.
    private func passiveListener(on address: UnsafePointer<pr_netaddr_t>) throws -> UnsafeMutablePointer<conn_t> {
        let attempts = 8
        for attempt in 1...attempts {
            var listener: UnsafeMutablePointer<conn_t>?
            if let range = PassivePorts.configured() {
                listener = pr_inet_create_conn_portrange(session.pool, address, Int32(range.lowerBound), Int32(range.upperBound))
                if listener == nil { PassivePorts.warnExhausted(range) }
            }
            if listener == nil {
                listener = pr_inet_create_conn(session.pool, -1, address, Int32(INPORT_ANY), FALSE)
            }
            guard let listener else {
                throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(errno))")
            }
            if pr_inet_listen(session.pool, listener, 1, 0) == 0 { return listener }
            let err = errno
            pr_inet_close(session.pool, listener)
            if err != EADDRINUSE || attempt == attempts {
                throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(err))")
            }
        }
        throw Failure(code: "425", message: "Unable to build data connection")
    }

    /// Opens a listener for PASV (extended: false) or EPSV; returns the reply.
    func preparePassive(extended: Bool) throws -> (code: String, text: String) {
        reset()
        guard let ctrl = session.c, let local = ctrl.pointee.local_addr else {
            throw Failure(code: "425", message: "Unable to build data connection: no control connection")
        }
        var bindAddress = local
        if !extended, pr_netaddr_get_family(local) == AF_INET6 {
            guard pr_netaddr_is_v4mappedv6(local) == TRUE, let v4 = pr_netaddr_v6tov4(session.pool, local) else {
                // As upstream: a 227 can't carry an IPv6 address.
                ProxyLog.write("Unable to handle PASV for IPv6 address '\(String(cString: pr_netaddr_get_ipstr(local)))', rejecting command")
                throw Failure(code: "501", message: "PASV: \(errnoText(EPERM))")
            }
            bindAddress = UnsafePointer(v4)
        }
        let listener = try passiveListener(on: bindAddress)
        mode = .passive(listener: listener)
        let port = UInt16(truncatingIfNeeded: listener.pointee.local_port)
        if extended {
            return ("229", "Entering Extended Passive Mode (|||\(port)|)")
        }
        let advertised = advertisedIPv4(bound: bindAddress)
        let numbers = advertised.split(separator: ".").joined(separator: ",")
        return ("227", "Entering Passive Mode (\(numbers),\(port >> 8),\(port & 0xff)).")
    }

    /// Records the client's PORT/EPRT address (already checked by
    /// ActiveAddressCheck).
    func prepareActive(_ endpoint: DataEndpoint) throws {
        reset()
        guard let target = pr_netaddr_get_addr(session.pool, endpoint.address, nil).map({ UnsafeMutablePointer(mutating: $0) }) else {
            throw Failure(code: "501", message: "Illegal address '\(endpoint.address)'")
        }
        mode = .active(address: target, port: endpoint.port)
    }

    // MARK: - transfer

    /// Opens the data connection negotiated earlier (accept within
    /// `acceptSeconds`, or connect within `connectSeconds`), then lets NetIO
    /// layers (mod_tls) run their handshake via postopen.
    func open(acceptSeconds: Int, connectSeconds: Int) throws -> UnsafeMutablePointer<conn_t> {
        guard let mode else {
            throw Failure(code: "425", message: "Unable to build data connection: use PASV, EPSV, PORT or EPRT first")
        }
        let conn: UnsafeMutablePointer<conn_t>
        switch mode {
        case .passive(let listener):
            try waitReady(fd: listener.pointee.listen_fd, events: POLLIN, seconds: acceptSeconds,
                          what: "the client did not connect")
            guard let accepted = pr_inet_accept(session.pool, listener, session.c, -1, -1, UInt8(TRUE)) else {
                let err = listener.pointee.xerrno != 0 ? listener.pointee.xerrno : errno
                throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(err))")
            }
            pr_inet_close(session.pool, listener)
            self.mode = nil
            conn = accepted
        case .active(let address, let port):
            conn = try connectActive(address: address, port: port, seconds: connectSeconds)
            self.mode = nil
        }
        _ = pr_inet_set_proto_nodelay(conn.pointee.pool, conn, 1)
        // mod_tls looks at session.d from its NetIO callbacks.
        session.d = conn
        if pr_netio_postopen(conn.pointee.instrm) < 0 || pr_netio_postopen(conn.pointee.outstrm) < 0 {
            let err = errno
            pr_inet_close(session.pool, conn)
            session.d = nil
            throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(err))")
        }
        _ = pr_inet_set_nonblock(session.pool, conn)
        connection = conn
        return conn
    }

    /// Closes the data connection (for TLS: mod_tls sends close_notify).
    func closeConnection() {
        guard let conn = connection else { return }
        if session.d == conn { session.d = nil }
        pr_inet_close(session.pool, conn)
        connection = nil
    }

    /// Abortive close, for ABOR and failed transfers.
    func abortConnection() {
        guard let conn = connection else { return }
        resetOnClose(mps_netio_fd(conn.pointee.instrm))
        closeConnection()
    }

    // MARK: - helpers

    /// Connects to the client's PORT/EPRT address within `seconds`
    /// (ProxyTimeoutConnect): pr_inet_connect would wait as long as the
    /// kernel retries SYNs (minutes) towards an address that drops them.
    private func connectActive(address: UnsafeMutablePointer<pr_netaddr_t>, port: UInt16,
                               seconds: Int) throws -> UnsafeMutablePointer<conn_t> {
        guard let local = session.c?.pointee.local_addr else {
            throw Failure(code: "425", message: "Unable to build data connection: no control connection")
        }
        var bindAddress = local
        let targetFamily = pr_netaddr_get_family(address)
        if pr_netaddr_get_family(local) != targetFamily, pr_netaddr_is_v4mappedv6(local) == TRUE,
           let v4 = pr_netaddr_v6tov4(session.pool, local) {
            bindAddress = UnsafePointer(v4)
        }
        let previousFamily = pr_inet_set_default_family(session.pool, targetFamily)
        defer { _ = pr_inet_set_default_family(session.pool, previousFamily) }
        guard let conn = pr_inet_create_conn(session.pool, -1, bindAddress, Int32(INPORT_ANY), TRUE) else {
            throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(errno))")
        }
        do {
            try connectWithin(conn, to: address, port: port, seconds: seconds)
        } catch {
            pr_inet_close(session.pool, conn)
            throw error
        }
        guard let opened = pr_inet_openrw(session.pool, conn, nil, Int32(PR_NETIO_STRM_DATA), conn.pointee.listen_fd,
                                          -1, -1, TRUE) else {
            let err = errno
            pr_inet_close(session.pool, conn)
            throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(err))")
        }
        return opened
    }

    /// A non-blocking connect and a bounded wait for its outcome; the
    /// connection ends up as pr_inet_connect leaves it (open, blocking).
    /// (pr_inet_connect_nowait can't be used: once connected it marks the
    /// connection open and then fails to make it blocking again, EBADF.)
    private func connectWithin(_ conn: UnsafeMutablePointer<conn_t>, to address: UnsafeMutablePointer<pr_netaddr_t>,
                               port: UInt16, seconds: Int) throws {
        let fd = conn.pointee.listen_fd
        var target = SocketAddress(netaddr: address)
        target.port = port
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(errno))")
        }
        conn.pointee.mode = Int32(CM_CONNECT)
        var rc: Int32
        repeat {
            rc = target.withSockaddr { Glibc.connect(fd, __CONST_SOCKADDR_ARG(__sockaddr__: $0), $1) }
        } while rc != 0 && errno == EINTR
        if rc != 0 {
            guard errno == EINPROGRESS else {
                throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(errno))")
            }
            try waitReady(fd: fd, events: POLLOUT, seconds: seconds,
                          what: "no connection to the client's address within \(seconds)s")
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len) < 0 { soError = errno }
            if soError != 0 {
                throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(soError))")
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
        conn.pointee.mode = Int32(CM_OPEN)
        guard pr_inet_get_conn_info(conn, fd) == 0 else {
            throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(errno))")
        }
    }

    private func waitReady(fd: Int32, events: Int32, seconds: Int, what: String) throws {
        var pfd = pollfd(fd: fd, events: Int16(events), revents: 0)
        let deadline = Deadline.after(seconds: seconds)
        while true {
            let rc = poll(&pfd, 1, deadline.pollTimeout)
            if rc > 0 { return }
            if rc == 0 {
                throw Failure(code: "425", message: "Unable to build data connection: \(what)")
            }
            if errno == EINTR { pr_signals_handle(); continue }
            throw Failure(code: "425", message: "Unable to build data connection: \(errnoText(errno))")
        }
    }

    /// The IPv4 address to put in a 227 reply: the masquerade address
    /// (MasqueradeAddress, TLSMasqueradeAddress) when it is IPv4, else the
    /// listener's own.
    private func advertisedIPv4(bound: UnsafePointer<pr_netaddr_t>) -> String {
        if let masq = MasqueradeAddress.configured(), let v4 = IPAddress(masq)?.ipv4Bytes.flatMap(IPAddress.init(bytes:)) {
            return v4.description
        }
        return String(cString: pr_netaddr_get_ipstr(bound))
    }
}
