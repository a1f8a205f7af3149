import CProFTPD
import Glibc

/// Which proxy of a fleet this is, in Redis keys: the host name and the
/// server's port. Stable across restarts of the daemon (so a restarted
/// proxy finds the sessions its previous daemon counted) and different for
/// two daemons on one host (they listen on different ports).
enum RedisProxyIdentity {
    static func of(_ server: UnsafeMutablePointer<server_rec>?) -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "localhost"
        return "\(host):\(server?.pointee.ServerPort ?? 0)"
    }
}
