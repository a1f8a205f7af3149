import CProFTPD
import CShims
import Glibc

/// ProFTPD's PassivePorts of the proxy's server: the ports the proxy's own
/// data listeners use, toward the client (PASV/EPSV) and, as upstream,
/// toward the backend (PORT/EPRT). A range with no free port is a warning
/// and any port is used, as core_pasv does.
enum PassivePorts {
    static func configured() -> ClosedRange<Int>? {
        guard let c = find_config(main_server?.pointee.conf, Int32(CONF_PARAM), "PassivePorts", FALSE),
              c.pointee.argc >= 2, let argv = c.pointee.argv, let a = argv[0], let b = argv[1] else { return nil }
        let low = Int(a.assumingMemoryBound(to: Int32.self).pointee)
        let high = Int(b.assumingMemoryBound(to: Int32.self).pointee)
        return low <= high ? low...high : nil
    }

    static func warnExhausted(_ range: ClosedRange<Int>) {
        mps_log_pri(PR_LOG_WARNING, "unable to find open port in PassivePorts range \(range.lowerBound)-\(range.upperBound): defaulting to INPORT_ANY (consider defining a larger PassivePorts range)")
    }

    /// A backend-side listener on `address`, in the range when one is set.
    static func listen(on address: SocketAddress) throws -> TCPSocket {
        if let range = configured() {
            if let sock = TCPSocket.listen(on: address, anyPortIn: range) { return sock }
            warnExhausted(range)
        }
        var any = address
        any.port = 0
        return try TCPSocket.listen(on: any)
    }
}
