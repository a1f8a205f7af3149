/// The commands that set up a data connection.
public enum DataCommand: String, Sendable, CaseIterable {
    case pasv = "PASV", epsv = "EPSV", port = "PORT", eprt = "EPRT"

    public var isPassive: Bool { self == .pasv || self == .epsv }
}

extension DataTransferPolicy {
    /// The command to send the backend (ProxyDataTransferPolicy), given the
    /// client's. `active` and `passive` mean PORT and PASV, as the spec
    /// says; PASV and PORT carry IPv4 addresses only, so toward an IPv6
    /// backend they become EPSV and EPRT.
    public func backendCommand(clientCommand: DataCommand, backendIsIPv6: Bool) -> DataCommand {
        let wanted: DataCommand
        switch self {
        case .client: wanted = clientCommand
        case .passive, .pasv: wanted = .pasv
        case .active, .port: wanted = .port
        case .epsv: wanted = .epsv
        case .eprt: wanted = .eprt
        }
        guard backendIsIPv6 else { return wanted }
        switch wanted {
        case .pasv: return .epsv
        case .port: return .eprt
        default: return wanted
        }
    }
}
