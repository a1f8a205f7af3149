import CProFTPD
import ProxyCore

/// The address the proxy's frontend data replies name instead of its own,
/// chosen as core_pasv chooses it: TLSMasqueradeAddress in an FTPS session,
/// else MasqueradeAddress (whose name may not have resolved at startup:
/// then there is none).
enum MasqueradeAddress {
    static func configured() -> String? {
        let tls = pr_session_get_protocol(0).map { String(cString: $0) } == "ftps"
        if tls, let text = address(of: "TLSMasqueradeAddress") { return text }
        return address(of: "MasqueradeAddress")
    }

    private static func address(of directive: String) -> String? {
        guard let c = find_config(main_server?.pointee.conf, Int32(CONF_PARAM), directive, FALSE),
              c.pointee.argc > 0, let raw = c.pointee.argv?[0] else { return nil }
        guard let text = pr_netaddr_get_ipstr(raw.assumingMemoryBound(to: pr_netaddr_t.self)) else { return nil }
        return String(cString: text)
    }
}
