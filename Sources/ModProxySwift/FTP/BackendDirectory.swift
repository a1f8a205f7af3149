import ProxyCore

/// The backend's working directory, for the paths the TransferLog shows:
/// asked with PWD only when a transfer names a relative path and the last
/// answer may be stale (after login, CWD, CDUP), so most transfers cost
/// no extra round trip.
enum BackendDirectory {
    static func current(_ session: ProxySession, for path: String) -> String? {
        if path.hasPrefix("/") { return nil }
        if let known = session.backendDirectory { return known }
        guard let backend = session.backend,
              let reply = try? backend.exchange("PWD", deadline: session.replyDeadline),
              reply.code == 257, let first = reply.lines.first else { return nil }
        let directory = TransferLogNames.directory(ofPWDText: String(first.dropFirst(4)))
        session.backendDirectory = directory
        return directory
    }
}
