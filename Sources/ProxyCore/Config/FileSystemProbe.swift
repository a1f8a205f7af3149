import Glibc

/// Thin, typed wrappers over the stat/mkdir/chmod/read calls the
/// configuration checks need.
public enum FileSystemProbe {
    struct Status {
        let mode: mode_t
        let size: Int

        var permissions: mode_t { mode & 0o7777 }
        var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
        var isRegularFile: Bool { mode & S_IFMT == S_IFREG }
        var isSymlink: Bool { mode & S_IFMT == S_IFLNK }
        var isWorldWritable: Bool { mode & S_IWOTH != 0 }
    }

    enum Result {
        case status(Status)
        case failure(errno: Int32)
    }

    static func status(of path: String) -> Result {
        var info = stat()
        if stat(path, &info) != 0 { return .failure(errno: errno) }
        return .status(Status(mode: info.st_mode, size: Int(info.st_size)))
    }

    static func linkStatus(of path: String) -> Result {
        var info = stat()
        if lstat(path, &info) != 0 { return .failure(errno: errno) }
        return .status(Status(mode: info.st_mode, size: Int(info.st_size)))
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// "%04o" as upstream prints modes.
    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The directory part of an absolute path ("/" for "/file").
    static func parentDirectory(of path: String) -> String {
        let bytes = Array(path.utf8)
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), slash > 0 else { return "/" }
        return String(decoding: bytes[0..<slash], as: UTF8.self)
    }

    static func symlinkTarget(of path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = Glibc.readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// mkdir + chmod (so the umask can't change the mode). Existing
    /// directories are left alone.
    static func makeDirectory(_ path: String, mode: mode_t) -> Int32? {
        if mkdir(path, mode) != 0 {
            let code = errno
            if code == EEXIST, case .status(let status) = status(of: path), status.isDirectory { return nil }
            return code
        }
        if chmod(path, mode) != 0 { return errno }
        return nil
    }

    /// Creates `path` and any missing parents, each with `mode`.
    static func makeDirectories(_ path: String, mode: mode_t) -> (path: String, errno: Int32)? {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if case .status(let status) = status(of: current), status.isDirectory { continue }
            if let code = makeDirectory(current, mode: mode) { return (current, code) }
        }
        return nil
    }

    public enum ReadResult {
        case contents([UInt8])
        case tooLarge(size: Int)
        case failure(errno: Int32)
    }

    /// Reads a whole regular file of at most `limit` bytes. O_NONBLOCK so a
    /// FIFO swapped in after the checks can't hang the daemon.
    public static func readFile(_ path: String, limit: Int) -> ReadResult {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { return .failure(errno: errno) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { return .failure(errno: errno) }
        if info.st_mode & S_IFMT != S_IFREG { return .failure(errno: EINVAL) }
        if Int(info.st_size) > limit { return .tooLarge(size: Int(info.st_size)) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(errno: errno)
            }
            if count == 0 { break }
            contents.append(contentsOf: chunk[0..<count])
            if contents.count > limit { return .tooLarge(size: contents.count) }
        }
        return .contents(contents)
    }
}
