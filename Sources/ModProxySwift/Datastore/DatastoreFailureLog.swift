import Glibc
import ProxyStore

/// Logs datastore failures without flooding ProxyLog: one line per cause
/// (the operation and the kind of error) per interval, with a count of the
/// repeats it held back. A failure is never silently dropped.
enum DatastoreFailureLog {
    static let interval = 60
    private static var lastLogged: [String: (time: Int, suppressed: Int)] = [:]

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
        ProxyLog.write("datastore: \(operation) failed\(repeats): \(error)")
    }
}
