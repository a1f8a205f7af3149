import CProFTPD
import ProxyCore

/// The kind of proxied session a process runs, decided once at session
/// start from ProxyRole and the frontend protocol (mod_sftp owns SSH
/// connections in servers with `SFTPEngine on`).
enum SessionRole: Equatable {
    case reverseFTP
    case forwardFTP
    case reverseSSH

    static func of(_ options: SessionOptions) -> SessionRole {
        if let server = main_server, SSHSessionRequirements.sftpEngineOn(server) { return .reverseSSH }
        return options.role == .forward ? .forwardFTP : .reverseFTP
    }
}
