import Glibc

/// ProxySFTPPassPhraseProvider: a program run at startup, once per encrypted
/// ProxySFTPHostKey file, with the arguments "servername:port" and the
/// file's path; it prints the passphrase on stdout (as mod_sftp's
/// SFTPPassPhraseProvider). Run in the master before any session, with a
/// bounded wait: a provider that hangs must not hang the daemon's start.
public struct PassPhraseProvider {
    public let program: String
    public var timeoutMilliseconds = 10_000
    /// More output than this is no passphrase.
    static let maxOutput = 8192

    public init(program: String) { self.program = program }

    public static func arguments(serverName: String, port: Int, keyFile: String) -> [String] {
        ["\(serverName):\(port)", keyFile]
    }

    /// The passphrase in the program's output: its first line, without the line end.
    public static func passphrase(fromOutput output: [UInt8]) -> [UInt8]? {
        let line = output.prefix { $0 != UInt8(ascii: "\n") }
        let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        return trimmed.isEmpty ? nil : Array(trimmed)
    }

    public func passphrase(serverName: String, port: Int, keyFile: String) throws -> [UInt8] {
        let args = [program] + Self.arguments(serverName: serverName, port: port, keyFile: keyFile)
        let (status, output) = try run(args)
        guard status == 0 else {
            throw PrivateKeyError("ProxySFTPPassPhraseProvider \(program) for \(keyFile) \(Self.describe(status))")
        }
        guard let phrase = Self.passphrase(fromOutput: output) else {
            throw PrivateKeyError("ProxySFTPPassPhraseProvider \(program) printed no passphrase for \(keyFile)")
        }
        return phrase
    }

    private static func describe(_ status: Int32) -> String {
        if status & 0x7f == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "was killed by signal \(status & 0x7f)"
    }

    /// Runs the program with stdin from /dev/null and stdout into a pipe;
    /// its wait status and output.
    private func run(_ args: [String]) throws -> (Int32, [UInt8]) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw PrivateKeyError("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, program, &actions, nil, argv, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw PrivateKeyError("ProxySFTPPassPhraseProvider \(program) cannot be run: \(String(cString: strerror(rc)))")
        }
        defer { close(fds[0]) }
        var output: [UInt8] = []
        var status: Int32 = 0
        let deadline = Self.now() + timeoutMilliseconds
        var open = true
        while open {
            let left = deadline - Self.now()
            if left <= 0 {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw PrivateKeyError("ProxySFTPPassPhraseProvider \(program) did not finish within \(timeoutMilliseconds) ms")
            }
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(left))
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { continue }
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = buf.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { open = false; continue }
            output += buf[0..<n]
            if output.count > Self.maxOutput {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw PrivateKeyError("ProxySFTPPassPhraseProvider \(program) printed more than \(Self.maxOutput) bytes")
            }
        }
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status, output)
    }

    private static func now() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }
}
