/// Where a client's command line ends, as ProFTPD 1.3.8's reader
/// (pr_netio_telnet_gets2) sees it: only CRLF ends a line; a bare LF is
/// part of the command.
public enum CommandLineScan {
    /// True when `bytes` hold at least one complete command line.
    public static func containsCompleteLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 2 else { return false }
        var index = 1
        while index < bytes.count {
            if bytes[index] == 0x0A && bytes[index - 1] == 0x0D { return true }
            index += 1
        }
        return false
    }

    public static func containsCompleteLine(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { containsCompleteLine($0) }
    }
}
