/// The argument checks every `ReverseDatastore` makes before it touches its
/// storage, so the SQLite and Redis stores refuse the same values with the
/// same words.
public enum DatastoreArguments {
    public static func urls(_ urls: [String], vhostID: Int) throws {
        if let blank = urls.firstIndex(where: { $0.isEmpty }) {
            throw DatastoreError(.invalidArgument, "backend #\(blank) of vhost \(vhostID) has an empty URL")
        }
    }

    /// A selection (`what`: "round robin", "shuffle") needs candidates.
    public static func candidates(_ urls: [String], vhostID: Int, _ what: String) throws {
        guard !urls.isEmpty else {
            throw DatastoreError(.invalidArgument, "\(what) over no backends for vhost \(vhostID)")
        }
        try self.urls(urls, vhostID: vhostID)
    }

    public static func connectMillis(_ millis: Int, url: String, vhostID: Int) throws {
        guard millis >= 0 else {
            throw DatastoreError(.invalidArgument, "connect time \(millis) ms for backend \(url) of vhost \(vhostID) is negative")
        }
    }

    public static func stickyKey(_ policy: StickyPolicy, vhostID: Int, _ key: String) throws {
        guard !key.isEmpty else {
            throw DatastoreError(.invalidArgument, "empty \(policy.rawValue) key for sticky lookup in vhost \(vhostID)")
        }
    }

    public static func stickyURL(_ policy: StickyPolicy, vhostID: Int, key: String, _ url: String) throws {
        guard !url.isEmpty else {
            throw DatastoreError(.invalidArgument, "empty backend URL for \(policy.rawValue) '\(key)' in vhost \(vhostID)")
        }
    }
}
