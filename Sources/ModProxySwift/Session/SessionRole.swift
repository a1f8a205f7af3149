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
        if sftpEngineOn() { return .reverseSSH }
        return options.role == .forward ? .forwardFTP : .reverseFTP
    }

    /// mod_sftp's SFTPEngine for this server (an int; absent without mod_sftp).
    private static func sftpEngineOn() -> Bool {
        guard let value = get_param_ptr(main_server?.pointee.conf, "SFTPEngine", FALSE) else { return false }
        return value.assumingMemoryBound(to: Int32.self).pointee == TRUE
    }
}
