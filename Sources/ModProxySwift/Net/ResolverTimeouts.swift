import CProFTPD
import Glibc

/// Bounds backend name lookups (getaddrinfo) by ProxyTimeoutConnect.
///
/// getaddrinfo has no timeout argument, and the daemon runs no threads (so
/// no getaddrinfo_a, nor a helper thread). What bounds it is glibc's DNS
/// resolver state of the process (`_res`, what "options timeout:N
/// attempts:N" in resolv.conf sets): with one attempt, a lookup waits at
/// most `retrans` seconds per name server (the A and AAAA queries go out
/// together; a timeout ends the search-list walk). So the session process
/// sets attempts 1 and retrans = ProxyTimeoutConnect / name servers (at
/// least 1 s): silent name servers cost about ProxyTimeoutConnect, or one
/// second each when it is shorter. The changed state is kept by glibc (it
/// only reloads resolv.conf into an unmodified state). It affects every
/// lookup in this session process, which only the proxy makes after its
/// start. NSS sources other than DNS (files, ldap, ...) keep their own
/// behaviour.
enum ResolverTimeouts {
    static func apply(connectTimeoutSeconds seconds: Int) {
        guard let state = __res_state() else { return }
        if state.pointee.options & UInt(RES_INIT) == 0 {
            guard __res_init() == 0 else { return }
        }
        let servers = max(1, min(Int(state.pointee.nscount), Int(MAXNS)))
        state.pointee.retrans = Int32(clamping: max(1, seconds / servers))
        state.pointee.retry = 1
    }
}
