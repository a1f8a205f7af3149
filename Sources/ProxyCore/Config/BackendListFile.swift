import Glibc

/// A ProxyReverseServers JSON file: an array of backend URL strings, e.g.
/// `[ "ftp://ftp1.example.com:2121", "ftp://[::ffff:6.7.8.9]:2121" ]`.
public enum BackendListFile {
    /// Upstream's limits: 5 MiB per file, 1000 URLs.
    public static let maxFileSize = 5 * 1024 * 1024
    public static let maxURLs = 1000

    /// Checks permissions (as upstream does), then reads and parses the list.
    /// A world-writable file is always refused; a world-writable parent
    /// directory is refused unless `ignorePerms` (ProxyOptions
    /// IgnoreConfigPerms). For a symlink, both the link's directory and the
    /// target's directory are checked.
    public static func load(path: String, ignorePerms: Bool) throws -> [BackendURL] {
        try checkPermissions(path: path, ignorePerms: ignorePerms)

        let bytes: [UInt8]
        switch FileSystemProbe.readFile(path, limit: maxFileSize) {
        case .contents(let contents): bytes = contents
        case .tooLarge(let size): throw BackendListFileError.tooLarge(path: path, size: size, limit: maxFileSize)
        case .failure(let code): throw BackendListFileError.unreadable(path: path, reason: FileSystemProbe.errorText(code))
        }
        return try parse(bytes, path: path)
    }

    /// Parses the file contents (no filesystem access); `path` is for messages.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [BackendURL] {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw BackendListFileError.noUsableURLs(path: path)
        }
        let document: JSONValue
        do {
            document = try JSONParser(maxBytes: maxFileSize, maxDepth: 16).parse(bytes)
        } catch let error as JSONParseError {
            throw BackendListFileError.invalidJSON(path: path, error: error)
        }
        guard let items = document.arrayValue else {
            throw BackendListFileError.notAnArray(path: path, found: document.typeName)
        }
        if items.count > maxURLs { throw BackendListFileError.tooManyURLs(path: path, count: items.count, limit: maxURLs) }
        var urls: [BackendURL] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else {
                throw BackendListFileError.notAString(path: path, index: index, found: item.typeName)
            }
            do {
                urls.append(try BackendURL(parsing: text))
            } catch let error as BackendURLError {
                throw BackendListFileError.invalidURL(path: path, index: index, error: error)
            }
        }
        if urls.isEmpty { throw BackendListFileError.noUsableURLs(path: path) }
        return urls
    }

    static func checkPermissions(path: String, ignorePerms: Bool) throws {
        guard path.hasPrefix("/") else { throw BackendListFileError.notAbsolute(path: path) }
        let linkStatus: FileSystemProbe.Status
        switch FileSystemProbe.linkStatus(of: path) {
        case .status(let status): linkStatus = status
        case .failure(let code):
            throw BackendListFileError.unreadable(path: path, reason: FileSystemProbe.errorText(code))
        }
        var targetPath = path
        var status = linkStatus
        if linkStatus.isSymlink {
            // Whoever can write the link's directory can repoint the link.
            try checkDirectory(of: path, file: path, ignorePerms: ignorePerms)
            if let target = FileSystemProbe.symlinkTarget(of: path) {
                targetPath = target.hasPrefix("/") ? target : FileSystemProbe.parentDirectory(of: path) + "/" + target
            }
            switch FileSystemProbe.status(of: path) {
            case .status(let resolved): status = resolved
            case .failure(let code):
                throw BackendListFileError.unreadable(path: path, reason: FileSystemProbe.errorText(code))
            }
        }
        if status.isDirectory { throw BackendListFileError.unreadable(path: path, reason: FileSystemProbe.errorText(EISDIR)) }
        if status.isWorldWritable {
            throw BackendListFileError.worldWritableFile(path: path, mode: FileSystemProbe.octal(status.permissions))
        }
        if !status.isRegularFile { throw BackendListFileError.notARegularFile(path: path) }
        try checkDirectory(of: targetPath, file: path, ignorePerms: ignorePerms)
    }

    private static func checkDirectory(of path: String, file: String, ignorePerms: Bool) throws {
        let directory = FileSystemProbe.parentDirectory(of: path)
        switch FileSystemProbe.status(of: directory) {
        case .failure(let code):
            throw BackendListFileError.unreadable(path: file, reason:
                "unable to check directory '\(directory)': \(FileSystemProbe.errorText(code))")
        case .status(let status):
            if status.isWorldWritable && !ignorePerms {
                throw BackendListFileError.worldWritableDirectory(
                    path: file, directory: directory, mode: FileSystemProbe.octal(status.permissions))
            }
        }
    }
}

/// Why a backend list file was refused; the permission messages are upstream's.
public enum BackendListFileError: Error, Hashable, CustomStringConvertible, Sendable {
    case notAbsolute(path: String)
    case unreadable(path: String, reason: String)
    case worldWritableFile(path: String, mode: String)
    case worldWritableDirectory(path: String, directory: String, mode: String)
    case notARegularFile(path: String)
    case tooLarge(path: String, size: Int, limit: Int)
    case invalidJSON(path: String, error: JSONParseError)
    case notAnArray(path: String, found: String)
    case notAString(path: String, index: Int, found: String)
    case invalidURL(path: String, index: Int, error: BackendURLError)
    case tooManyURLs(path: String, count: Int, limit: Int)
    case noUsableURLs(path: String)

    public var description: String {
        switch self {
        case .notAbsolute(let path):
            return "ProxyReverseServers file '\(path)' must be an absolute path"
        case .unreadable(let path, let reason):
            return "error reading ProxyReverseServers file '\(path)': \(reason)"
        case .worldWritableFile(let path, let mode):
            return "unable to use world-writable ProxyReverseServers '\(path)' (perms \(mode)): Operation not permitted"
        case .worldWritableDirectory(let path, let directory, let mode):
            return "unable to use ProxyReverseServers '\(path)' from world-writable directory '\(directory)' (perms \(mode)): Operation not permitted"
        case .notARegularFile(let path):
            return "unable to use ProxyReverseServers '\(path)': not a regular file"
        case .tooLarge(let path, let size, let limit):
            return "ProxyReverseServers file '\(path)' is \(size) bytes, more than the limit of \(limit)"
        case .invalidJSON(let path, let error):
            return "error parsing ProxyReverseServers file '\(path)': \(error)"
        case .notAnArray(let path, let found):
            return "ProxyReverseServers file '\(path)' must hold a JSON array of URL strings, found \(found)"
        case .notAString(let path, let index, let found):
            return "entry \(index) in ProxyReverseServers file '\(path)' is a \(found), not a URL string"
        case .invalidURL(let path, let index, let error):
            return "entry \(index) in ProxyReverseServers file '\(path)': \(error)"
        case .tooManyURLs(let path, let count, let limit):
            return "ProxyReverseServers file '\(path)' lists \(count) URLs, more than the limit of \(limit)"
        case .noUsableURLs(let path):
            return "no usable URLs found in file '\(path)'"
        }
    }
}
