import Glibc
import CProFTPD
import CShims

/// The module's own log (`ProxyLog`) plus ProFTPD's trace channel `proxy`.
/// One clear line per event; never pass a password to it.
enum ProxyLog {
    static let ident = MOD_PROXY_VERSION
    static let traceChannel = "proxy"
    private(set) static var fd: Int32 = -1

    /// Opens the ProxyLog file the way ProFTPD opens every log (root privileges,
    /// refusing world-writable directories and symlinks).
    static func open(path: String) {
        close()
        if path.lowercased() == "none" { return }
        var newFD: Int32 = -1
        pr_signals_block()
        mps_privs_root()
        let res = pr_log_openfile(path, &newFD, mode_t(PR_LOG_SYSTEM_MODE))
        let err = errno
        mps_privs_relinquish()
        pr_signals_unblock()
        switch res {
        case 0: fd = newFD
        case -1: notice("unable to open ProxyLog '\(path)': \(String(cString: strerror(err)))")
        case PR_LOG_WRITABLE_DIR: notice("unable to open ProxyLog '\(path)': parent directory is world-writable")
        case PR_LOG_SYMLINK: notice("unable to open ProxyLog '\(path)': cannot log to a symlink")
        default: notice("unable to open ProxyLog '\(path)' (error \(res))")
        }
    }

    static func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// A line in ProxyLog (if configured) and at trace level 1.
    static func write(_ message: String) {
        if fd >= 0 { _ = mps_log_writefile(fd, ident, message) }
        trace(1, message)
    }

    static func trace(_ level: Int32, _ message: @autoclosure () -> String) {
        // pr_trace_get_level is cheap; avoid building strings when tracing is off.
        if pr_trace_get_level(traceChannel) >= level {
            mps_trace_msg(traceChannel, level, message())
        }
    }

    /// Daemon's own log (SystemLog / syslog), NOTICE level.
    static func notice(_ message: String) {
        mps_log_pri(PR_LOG_NOTICE, "\(ident): \(message)")
    }

    static func warning(_ message: String) {
        mps_log_pri(PR_LOG_WARNING, "\(ident): \(message)")
    }

    static func debug(_ level: Int32, _ message: String) {
        mps_log_debug(level, "\(ident): \(message)")
    }
}
