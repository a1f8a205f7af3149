/// The regex engine that checks ProxyForwardTo and ProxySFTPServerMatch
/// patterns when the configuration is read. The default is POSIX ERE (what
/// unit tests run); the module installs ProFTPD's own engine at load time
/// (pr_regexp: PCRE2 in Debian's build), so a pattern is accepted exactly
/// when the daemon can use it, as upstream compiles it.
public enum RegexSyntax {
    /// nil when `pattern` compiles, else the engine's message.
    nonisolated(unsafe) public static var compileError: (_ pattern: String, _ ignoringCase: Bool) -> String? = {
        POSIXRegex.compileError($0, ignoringCase: $1)
    }
}
