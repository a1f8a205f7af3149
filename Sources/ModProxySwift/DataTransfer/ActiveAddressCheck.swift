import CProFTPD
import CShims
import ProxyCore

/// The client's PORT/EPRT argument, parsed and checked as ProFTPD's core
/// does (ActiveAddressRule): the same replies, the same log lines, and
/// AllowForeignAddress on|off|<Class> of the proxy's configuration (a class
/// is matched against the foreign address, as core matches it).
enum ActiveAddressCheck {
    struct Refusal: Error {
        let code: String
        let text: String
    }

    /// The endpoint to connect to, or the reply core would give.
    static func endpoint(_ command: DataCommand, argument: String) throws -> DataEndpoint {
        let parsed: DataEndpoint
        do {
            parsed = command == .port ? try PORTArgument.parse(argument) : try EPRTArgument.parse(argument)
        } catch {
            ProxyLog.write("\(command.rawValue) '\(ConfigText.printable(argument, limit: 100))' refused: \(error)")
            if command == .eprt { try checkNetworkProtocol(argument) }
            throw Refusal(code: "501", text: ActiveAddressRule.illegal(command))
        }
        if command == .eprt { try checkNetworkProtocol(argument) }
        guard let ctrl = session.c, let remote = ctrl.pointee.remote_addr,
              let client = IPAddress(String(cString: pr_netaddr_get_ipstr(remote))) else {
            throw Refusal(code: "425", text: "Unable to build data connection: no control connection")
        }
        let verdict = ActiveAddressRule.check(command: command, argument: argument, endpoint: parsed,
                                              client: client, listen: listenAddress(ctrl) ?? client,
                                              foreignAllowed: foreignAddressAllowed)
        switch verdict {
        case .accept(let endpoint, let replaced):
            if let replaced {
                let line = "client sent RFC1918 address '\(replaced)' in \(command.rawValue) command, ignoring it and using '\(endpoint.address)'"
                ProxyLog.write(line)
                mps_log_debug(1, line)
            }
            return endpoint
        case .refuse(let logLine):
            ProxyLog.write(logLine)
            mps_log_pri(PR_LOG_WARNING, logLine)
            throw Refusal(code: "500", text: ActiveAddressRule.illegal(command))
        }
    }

    /// EPRT's network protocol as core checks it first: 1, or 2 with
    /// UseIPv6 on.
    private static func checkNetworkProtocol(_ argument: String) throws {
        let ipv6 = pr_netaddr_use_ipv6() == TRUE
        switch EPRTArgument.networkProtocol(argument) {
        case 1?: return
        case 2? where ipv6: return
        default: throw Refusal(code: "522", text: ipv6 ? "Network protocol not supported, use (1,2)"
                                                       : "Network protocol not supported, use (1)")
        }
    }

    /// Core's "listen address" for the RFC 1918 rule: the masquerade
    /// address when one is configured, else the control connection's.
    private static func listenAddress(_ ctrl: UnsafeMutablePointer<conn_t>) -> IPAddress? {
        if let masq = MasqueradeAddress.configured(), let ip = IPAddress(masq) { return ip }
        return ctrl.pointee.local_addr.flatMap { IPAddress(String(cString: pr_netaddr_get_ipstr($0))) }
    }

    /// AllowForeignAddress of the server: argv[0] TRUE/FALSE, or a class
    /// name in argv[1].
    private static func foreignAddressAllowed(_ endpoint: DataEndpoint) -> Bool {
        guard let c = find_config(main_server?.pointee.conf, Int32(CONF_PARAM), "AllowForeignAddress", FALSE),
              c.pointee.argc > 0, let argv = c.pointee.argv, let first = argv[0] else { return false }
        let value = first.assumingMemoryBound(to: Int32.self).pointee
        if value == TRUE { return true }
        if value == FALSE { return false }
        guard c.pointee.argc > 1, let raw = argv[1] else { return false }
        let name = raw.assumingMemoryBound(to: CChar.self)
        guard let cls = pr_class_find(name) else {
            mps_log_debug(8, "<Class> '\(String(cString: name))' not found for filtering AllowForeignAddress")
            return false
        }
        guard let pool = make_sub_pool(session.pool) else { return false }
        defer { destroy_pool(pool) }
        guard let addr = pr_netaddr_get_addr(pool, endpoint.address, nil),
              pr_class_satisfied(pool, cls, addr) == TRUE else {
            mps_log_debug(8, "<Class> '\(String(cString: name))' not satisfied by foreign address '\(endpoint.address)'")
            return false
        }
        return true
    }
}
