import Glibc

/// The remaining configuration-time file checks (TLS files, SFTP keys).
public enum ConfigFileChecks {
    /// The file (or directory) must exist.
    public static func requireExisting(path: String, directory: Bool) throws {
        switch FileSystemProbe.status(of: path) {
        case .failure(let code) where code == ENOENT:
            throw ConfigFileError.missing(path: path)
        case .failure(let code):
            throw ConfigFileError.unusable(path: path, reason: FileSystemProbe.errorText(code))
        case .status(let status):
            if directory && !status.isDirectory { throw ConfigFileError.notADirectory(path: path) }
            if !directory && status.isDirectory { throw ConfigFileError.unusable(path: path, reason: "Is a directory") }
        }
    }

    /// An SSH host key: must exist and have no group or other permissions.
    public static func requirePrivateKeyFile(path: String) throws {
        switch FileSystemProbe.status(of: path) {
        case .failure(let code):
            throw ConfigFileError.unusable(path: path, reason: "unable to check: \(FileSystemProbe.errorText(code))")
        case .status(let status):
            if status.mode & (S_IRWXG | S_IRWXO) != 0 {
                throw ConfigFileError.keyTooOpen(path: path, mode: FileSystemProbe.octal(status.permissions))
            }
        }
    }

    /// A pre-shared key file: it must exist and be neither world-readable
    /// nor world-writable.
    public static func requireSecretFile(path: String) throws {
        switch FileSystemProbe.status(of: path) {
        case .failure(let code):
            throw ConfigFileError.unusable(path: path, reason: FileSystemProbe.errorText(code))
        case .status(let status):
            if !status.isRegularFile { throw ConfigFileError.unusable(path: path, reason: "Not a regular file") }
            if status.mode & (S_IROTH | S_IWOTH) != 0 {
                throw ConfigFileError.secretTooOpen(path: path, mode: FileSystemProbe.octal(status.permissions))
            }
        }
    }

    public static func requireRegularFile(path: String) throws {
        switch FileSystemProbe.status(of: path) {
        case .failure(let code):
            throw ConfigFileError.unusable(path: path, reason: FileSystemProbe.errorText(code))
        case .status(let status):
            if !status.isRegularFile { throw ConfigFileError.unusable(path: path, reason: "Not a regular file") }
        }
    }
}

public enum ConfigFileError: Error, Hashable, CustomStringConvertible, Sendable {
    case missing(path: String)
    case notADirectory(path: String)
    case unusable(path: String, reason: String)
    case keyTooOpen(path: String, mode: String)
    case secretTooOpen(path: String, mode: String)

    public var description: String {
        switch self {
        case .missing(let path): return "'\(path)' does not exist"
        case .notADirectory(let path): return "'\(path)' is not a directory"
        case .unusable(let path, let reason): return "unable to use '\(path)': \(reason)"
        case .keyTooOpen(let path, let mode):
            return "unable to use '\(path)' as host key, as it is group- or world-accessible (perms \(mode))"
        case .secretTooOpen(let path, let mode):
            return "unable to use '\(path)': it is world-readable or world-writable (perms \(mode))"
        }
    }
}
