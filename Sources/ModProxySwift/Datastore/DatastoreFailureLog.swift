import Glibc
import ProxyStore

/// Logs datastore failures without flooding ProxyLog: one line per cause
/// (the operation and the kind of error) per interval, with a count of the
/// repeats it held back. Redis failures are one cause for the whole daemon
/// (`SharedFailureStamp`): the line that is logged says that other
/// sessions' failures of the next interval are not.
enum DatastoreFailureLog {
    static let interval = 60
    private static var lastLogged: [String: (time: Int, suppressed: Int)] = [:]
    /// Set by the session once it knows its ProxyTables directory.
    static var tablesDirectory: String?

    static func report(_ operation: String, _ error: Error, now: Int = Int(time(nil))) {
        let kind = (error as? DatastoreError)?.kind.rawValue ?? "\(type(of: error))"
        // Redis down fails every operation alike: one cause, not one per call.
        let cause = kind == DatastoreError.Kind.redis.rawValue ? kind : "\(operation)/\(kind)"
        if let last = lastLogged[cause], now - last.time < interval {
            lastLogged[cause] = (last.time, last.suppressed + 1)
            return
        }
        let repeats = lastLogged[cause].map { $0.suppressed > 0 ? " (\($0.suppressed) more since the last report)" : "" } ?? ""
        lastLogged[cause] = (now, 0)
        var shared = ""
        if cause == DatastoreError.Kind.redis.rawValue, let tables = tablesDirectory {
            guard !SharedFailureStamp(tablesDirectory: tables, cause: cause).loggedRecently(interval: interval, now: now) else {
                return   // another session logged it moments ago
            }
            shared = " (other sessions' Redis failures in the next \(interval)s are not logged)"
        }
        ProxyLog.write("datastore: \(operation) failed\(repeats): \(error)\(shared)")
    }
}
