import CProFTPD
import ProxyCore

/// ProFTPD's AllowForeignAddress for the client's PORT/EPRT address: the
/// address must be the client's own unless the directive allows others
/// (`on`, or the name of a <Class> the session belongs to).
enum ForeignAddressRule {
    static func allows(_ ip: String, client: UnsafePointer<pr_netaddr_t>) -> Bool {
        let clientIP = IPAddress(String(cString: pr_netaddr_get_ipstr(client)))
        if let wanted = IPAddress(ip), let clientIP, wanted.isSameHost(as: clientIP) { return true }
        guard let c = find_config(main_server?.pointee.conf, Int32(CONF_PARAM), "AllowForeignAddress", FALSE),
              c.pointee.argc > 0, let argv = c.pointee.argv, let first = argv[0] else { return false }
        let value = first.assumingMemoryBound(to: Int32.self).pointee
        if value == TRUE { return true }
        if value == FALSE { return false }
        // A class name in argv[1].
        guard c.pointee.argc > 1, let raw = argv[1], let cls = session.conn_class,
              let clsName = cls.pointee.cls_name else { return false }
        return String(cString: raw.assumingMemoryBound(to: CChar.self)) == String(cString: clsName)
    }
}
