/// Who may use a forward proxy. An open forward proxy relays anyone's
/// traffic to anywhere, so the default is narrow, as upstream's: only
/// clients with RFC 1918 addresses, unless the client's `<Class>` says
/// otherwise with ProxyForwardEnabled (on or off). Loopback is not RFC 1918,
/// so a local client needs a class too.
public enum ForwardAccess: Equatable, Sendable {
    case allowed
    /// The ProxyLog line explaining the refusal.
    case refused(String)

    /// - Parameters:
    ///   - client: the client's address (after any PROXY header).
    ///   - classSetting: ProxyForwardEnabled of the client's class; nil when
    ///     the client matches no class or the class does not set it.
    ///   - className: the class's name, for the log line.
    public static func decide(client: IPAddress, classSetting: Bool?, className: String?) -> ForwardAccess {
        if let enabled = classSetting {
            if enabled { return .allowed }
            return .refused("forward proxying not allowed from client address \(client) in <Class "
                            + "\(className ?? "?")> (see ProxyForwardEnabled)")
        }
        if client.isRFC1918 { return .allowed }
        return .refused("forward proxying not allowed from non-RFC1918 client address \(client) "
                        + "(allow it with ProxyForwardEnabled on in a <Class>)")
    }
}
