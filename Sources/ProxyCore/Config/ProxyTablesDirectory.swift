import Glibc

/// The ProxyTables directory: home of the SQLite files, with an `empty/`
/// subdirectory (mode 0111) that sessions chroot into.
public enum ProxyTablesDirectory {
    public static let emptyDirectoryMode: mode_t = 0o111

    public struct Prepared: Hashable, Sendable {
        public let path: String
        /// `<path>/empty`, the chroot directory.
        public let emptyDirectory: String
        /// Whether the tables directory itself had to be created.
        public let created: Bool
    }

    /// Creates the directory (0755) and `empty/` (0111) when missing; checks
    /// them when present.
    public static func prepare(path: String) throws -> Prepared {
        guard path.hasPrefix("/") else { throw ProxyTablesError.notAbsolute(path: path) }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let empty = (trimmed == "/" ? "" : trimmed) + "/empty"

        var created = false
        switch FileSystemProbe.status(of: trimmed) {
        case .failure(let code) where code == ENOENT:
            if let failure = FileSystemProbe.makeDirectories(trimmed, mode: 0o755) {
                throw ProxyTablesError.cannotCreate(path: failure.path, reason: FileSystemProbe.errorText(failure.errno))
            }
            created = true
        case .failure(let code):
            throw ProxyTablesError.cannotStat(path: trimmed, reason: FileSystemProbe.errorText(code))
        case .status(let status):
            if !status.isDirectory { throw ProxyTablesError.notADirectory(path: trimmed) }
        }

        switch FileSystemProbe.status(of: empty) {
        case .failure(let code) where code == ENOENT:
            if let code = FileSystemProbe.makeDirectory(empty, mode: emptyDirectoryMode) {
                throw ProxyTablesError.cannotCreate(path: empty, reason: FileSystemProbe.errorText(code))
            }
        case .failure(let code):
            throw ProxyTablesError.cannotStat(path: empty, reason: FileSystemProbe.errorText(code))
        case .status(let status):
            if !status.isDirectory { throw ProxyTablesError.emptyNotADirectory(path: empty) }
            if status.permissions != emptyDirectoryMode {
                throw ProxyTablesError.wrongPermissions(path: empty, mode: FileSystemProbe.octal(status.permissions))
            }
        }
        return Prepared(path: trimmed, emptyDirectory: empty, created: created)
    }
}

/// Why ProxyTables could not be used; messages follow upstream's wording.
public enum ProxyTablesError: Error, Hashable, CustomStringConvertible, Sendable {
    case notAbsolute(path: String)
    case cannotStat(path: String, reason: String)
    case cannotCreate(path: String, reason: String)
    case notADirectory(path: String)
    case emptyNotADirectory(path: String)
    /// `mode` as "%04o", e.g. "0755".
    case wrongPermissions(path: String, mode: String)

    public var description: String {
        switch self {
        case .notAbsolute(let path): return "must be a full path: '\(path)'"
        case .cannotStat(let path, let reason): return "unable to stat '\(path)': \(reason)"
        case .cannotCreate(let path, let reason): return "unable to create directory '\(path)': \(reason)"
        case .notADirectory(let path): return "unable to use '\(path)': Not a directory"
        case .emptyNotADirectory(let path): return "path '\(path)' is not a directory as expected"
        case .wrongPermissions(let path, let mode):
            return "directory '\(path)' has incorrect permissions (\(mode), not 0111 as required)"
        }
    }
}
