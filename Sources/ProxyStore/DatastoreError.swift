import CSQLite

/// Why the reverse-proxy datastore could not do what was asked.
///
/// `kind` is for the caller's decisions (fall back to in-memory selection,
/// retry later, give up); `detail` names the offending value and the reason,
/// for the log.
public struct DatastoreError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Equatable, Sendable {
        /// The tables file cannot be opened or created (symlink, permissions,
        /// not a regular file, missing directory).
        case unusablePath
        /// The file exists but is not an SQLite database (garbage content).
        case notADatabase
        /// SQLite reports the file as damaged.
        case corrupt
        /// A valid SQLite database, but not a `proxy_reverse` table set.
        case foreignDatabase
        /// Written by a newer schema than this code understands.
        case schemaTooNew
        /// Other sessions held the lock past the retry deadline.
        case busy
        /// A caller-supplied value is out of range (negative index, empty list...).
        case invalidArgument
        /// No backend row for that vhost and index (was `prepare` run?).
        case unknownBackend
        /// The datastore was used after `close()`.
        case closed
        /// The handle was opened in another process (inherited across fork).
        case usedAfterFork
        /// Any other SQLite failure (I/O error, disk full, read-only...).
        case sqlite
        /// Redis unreachable, too slow (mod_redis's I/O timeout), or an
        /// unexpected reply (ProxyDatastore Redis).
        case redis
    }

    public let kind: Kind
    public let detail: String
    /// SQLite's extended result code, when the failure came from SQLite.
    public let sqliteCode: Int32?

    public init(_ kind: Kind, _ detail: String, sqliteCode: Int32? = nil) {
        self.kind = kind
        self.detail = detail
        self.sqliteCode = sqliteCode
    }

    /// Classifies an SQLite result code: the kinds a caller must tell apart
    /// (busy, not a database, corrupt, cannot open) get their own `Kind`.
    init(sqliteCode code: Int32, _ detail: String) {
        let kind: Kind
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: kind = .busy
        case SQLITE_NOTADB: kind = .notADatabase
        case SQLITE_CORRUPT: kind = .corrupt
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH: kind = .unusablePath
        default: kind = .sqlite
        }
        self.init(kind, detail, sqliteCode: code)
    }

    public var description: String {
        guard let code = sqliteCode else { return "\(kind.rawValue): \(detail)" }
        return "\(kind.rawValue): \(detail) (SQLite code \(code))"
    }
}
