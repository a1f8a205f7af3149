import Glibc

/// Which daemon a datastore's state belongs to: the master's pid and its
/// start time (so a recycled pid is not taken for the same daemon).
public struct DaemonIdentity: Equatable, Sendable {
    public let pid: Int
    /// Clock ticks since boot when the process started (/proc/<pid>/stat field 22).
    public let started: Int

    public init(pid: Int, started: Int) {
        self.pid = pid
        self.started = started
    }

    /// This process.
    public static func current() -> DaemonIdentity {
        let pid = Int(getpid())
        return DaemonIdentity(pid: pid, started: startTime(statLine: readStat(pid)) ?? 0)
    }

    /// Field 22 (starttime) of a /proc/<pid>/stat line; the command name in
    /// field 2 may hold spaces and parentheses, so fields count from the last ')'.
    public static func startTime(statLine: String) -> Int? {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return Int(fields[19])
    }

    private static func readStat(_ pid: Int) -> String {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return "" }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "" }
        return String(cString: buffer)
    }
}
