import CProFTPD
import CShims
import Glibc

/// One side of a data relay.
/// - `socket`: a plain TCP socket (backend data connections, and frontend data
///   connections that carry no TLS): eligible for splice(2).
/// - `transport`: a backend connection through a transport of the module's
///   own that is not a kernel socket (TLS).
/// - `netio`: a frontend data connection whose bytes must pass through
///   ProFTPD's NetIO (another module's data NetIO, which may sit on
///   mod_tls's); mod_tls's PROT P alone is a `transport`
///   (FrontendTLSTransport).
enum RelayEndpoint {
    case socket(Int32)
    case transport(ByteTransport)
    case netio(UnsafeMutablePointer<conn_t>)

    var fd: Int32 {
        switch self {
        case .socket(let fd): return fd
        case .transport(let transport): return transport.fd
        case .netio(let conn): return mps_netio_fd(conn.pointee.instrm)
        }
    }

    /// A backend data connection: spliced when it is a plain socket.
    static func backend(_ transport: ByteTransport) -> RelayEndpoint {
        transport.isKernelSocket ? .socket(transport.fd) : .transport(transport)
    }

    /// A read returns at most one TLS record, however much is waiting.
    var deliversRecords: Bool {
        if case .socket = self { return false }
        return true
    }

    /// TLS over a socket, backend or frontend (an in-memory transport has
    /// no socket): read in batches (DataRelay.batchWakeBytes).
    var isTLSSocket: Bool {
        if case .transport(let transport) = self { return transport.fd >= 0 }
        return false
    }

    /// mod_tls's session used directly, which must be set up for the relay
    /// and given back afterwards.
    var frontendTLS: FrontendTLSTransport? {
        if case .transport(let transport) = self { return transport as? FrontendTLSTransport }
        return nil
    }

    var isPlainSocket: Bool {
        if case .socket = self { return true }
        return false
    }

    /// The frontend data connection as an endpoint: plain when no TLS layer
    /// sits on its streams (mod_tls marks TLS streams with a note).
    static func frontend(_ conn: UnsafeMutablePointer<conn_t>) -> RelayEndpoint {
        let streams = [conn.pointee.instrm, conn.pointee.outstrm]
        let hasTLS = streams.contains { strm in
            guard let strm, let notes = strm.pointee.notes else { return false }
            return pr_table_get(notes, "mod_tls.SSL", nil) != nil
        }
        if customDataNetIO() { return .netio(conn) }
        if hasTLS { return FrontendTLSTransport(conn).map { .transport($0) } ?? .netio(conn) }
        let fd = mps_netio_fd(conn.pointee.instrm)
        // splice(2) only avoids blocking on descriptors that are O_NONBLOCK.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        return .socket(fd)
    }

    /// Another module (other than mod_tls, whose plain streams are plain
    /// sockets) registered a data NetIO: its layer must see the bytes.
    private static func customDataNetIO() -> Bool {
        guard let netio = pr_get_netio(Int32(PR_NETIO_STRM_DATA)),
              let owner = netio.pointee.owner_name else { return false }
        let name = String(cString: owner)
        return name != "tls" && name != "core"
    }
}
