/// ProFTPD core's rules for the address in a client's PORT or EPRT
/// (core_port/core_eprt in mod_core), so the proxy applies them as a plain
/// server would, in core's order:
/// 1. an RFC 1918 address from a client that is not on an RFC 1918 network
///    itself, sent to a server that does not listen on one, can't be
///    reached: the client's own address is used instead;
/// 2. the address must be the client's own unless AllowForeignAddress
///    allows it (`on`, or a <Class> the address satisfies: `foreignAllowed`);
///    PORT from a client on a plain IPv6 connection is a mismatch;
/// 3. the port must be 1024 or above (bounce attacks).
public enum ActiveAddressRule {
    public enum Verdict: Equatable, Sendable {
        /// Connect to `endpoint`; `replaced` is the RFC 1918 address that
        /// rule 1 replaced, for the log.
        case accept(DataEndpoint, replaced: String?)
        /// 500 "Illegal PORT/EPRT command"; `logLine` is core's log text.
        case refuse(logLine: String)
    }

    public static func check(command: DataCommand, argument: String, endpoint: DataEndpoint,
                             client: IPAddress, listen: IPAddress,
                             foreignAllowed: (DataEndpoint) -> Bool) -> Verdict {
        var target = endpoint
        var replaced: String?
        if let asked = IPAddress(endpoint.address), asked.isRFC1918, !listen.isRFC1918, !client.isRFC1918 {
            replaced = endpoint.address
            target = DataEndpoint(validated: client.description, port: endpoint.port,
                                  family: client.isIPv6 ? .ipv6 : .ipv4)
        }
        let name = command.rawValue
        let shown = ConfigText.printable(argument, limit: 100)
        if !foreignAllowed(target) {
            if command == .port, client.isIPv6, !client.isIPv4Mapped {
                return .refuse(logLine: "Refused PORT \(shown) (IPv4/IPv6 address mismatch)")
            }
            guard let asked = IPAddress(target.address), asked.isSameHost(as: client) else {
                return .refuse(logLine: "Refused \(name) \(shown) (address mismatch)")
            }
        }
        if target.port < 1024 {
            return .refuse(logLine: "Refused \(name) \(shown) (port \(target.port) below 1024, possible bounce attack)")
        }
        return .accept(target, replaced: replaced)
    }

    /// Core's reply text for a refused or unparseable PORT/EPRT.
    public static func illegal(_ command: DataCommand) -> String {
        "Illegal \(command.rawValue) command"
    }
}
