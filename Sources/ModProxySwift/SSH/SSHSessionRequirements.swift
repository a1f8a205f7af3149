import CProFTPD
import CShims
import ProxyCore

/// What a server with `SFTPEngine on` and `ProxyEngine on` needs for
/// reverse SSH sessions, checked at `proftpd -t` and daemon start.
enum SSHSessionRequirements {
    static func problem(_ server: UnsafeMutablePointer<server_rec>, _ settings: ProxySettings) -> String? {
        guard sftpEngineOn(server), settings.role == .reverse else { return nil }
        if settings.options.contains(.useReverseProxyAuth) {
            // The proxy's own auth modules decide; the backend login is hostbased.
            if settings.sftp.hostKeys.isEmpty {
                return "ProxySFTPHostKey: ProxyOptions UseReverseProxyAuth in an SSH server (SFTPEngine on) logs in "
                    + "to backends by hostbased authentication, which needs a ProxySFTPHostKey"
            }
            return nil
        }
        // ProFTPD asks `auth` of the module that answered `getpwnam`; a
        // local module first would check the password itself.
        let first = mps_auth_order_first(server).map { String(cString: $0) }
        if first != "mod_proxy.c" {
            return "AuthOrder: SSH reverse proxying (SFTPEngine on) needs mod_proxy.c first in AuthOrder, so that "
                + "the backend decides passwords (found: \(first ?? "no AuthOrder"))"
        }
        return nil
    }

    static func sftpEngineOn(_ server: UnsafeMutablePointer<server_rec>) -> Bool {
        guard let value = get_param_ptr(server.pointee.conf, "SFTPEngine", FALSE) else { return false }
        return value.assumingMemoryBound(to: Int32.self).pointee == TRUE
    }
}
