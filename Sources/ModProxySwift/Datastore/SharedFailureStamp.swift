import CShims
import Glibc

/// When a session of this daemon last logged a failure of one cause, kept
/// as a file's modification time in ProxyTables so that the daemon's
/// sessions (separate processes) log a shared outage, Redis down, once per
/// interval between them rather than once each. Usable until the session
/// chroots; afterwards each session counts for itself.
struct SharedFailureStamp {
    let path: String

    init(tablesDirectory: String, cause: String) {
        path = "\(tablesDirectory)/datastore-failure-\(cause).stamp"
    }

    /// Whether another session logged this cause less than `interval`
    /// seconds before `now`; otherwise the stamp is renewed and this session
    /// should log.
    func loggedRecently(interval: Int, now: Int) -> Bool {
        var info = stat()
        if stat(path, &info) == 0, now - Int(info.st_mtim.tv_sec) < interval, Int(info.st_mtim.tv_sec) <= now {
            return true
        }
        mps_privs_root()
        defer { mps_privs_relinquish() }
        let fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var times = [timespec(tv_sec: now, tv_nsec: 0), timespec(tv_sec: now, tv_nsec: 0)]
        _ = futimens(fd, &times)
        return false
    }
}
