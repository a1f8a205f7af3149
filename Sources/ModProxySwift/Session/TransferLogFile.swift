import CProFTPD
import CShims

/// The session's TransferLog. mod_auth opens it when it authenticates a
/// user; the proxy answers PASS itself, so it opens it at login, before
/// the chroot and with root, exactly as mod_auth chooses it: TransferLog
/// of the server, else ProFTPD's default path, "NONE" for none.
enum TransferLogFile {
    static func open() {
        let configured = ConfigRecords.all("TransferLog", in: ConfigRecords.mainServerSet).first?.first
        mps_privs_root()
        if let path = configured, path.lowercased() == "none" {
            _ = xferlog_open(nil)
        } else {
            _ = xferlog_open(configured ?? PR_XFERLOG_PATH)
        }
        mps_privs_relinquish()
    }
}
