import CProFTPD
import CShims

/// A regular expression compiled by ProFTPD's own regex API (pr_regexp_*,
/// PCRE2 in Debian's build), so a pattern in a Proxy* directive means what
/// the same pattern means anywhere else in proftpd.conf.
final class ProFTPDRegex {
    private let compiled: OpaquePointer

    struct CompileError: Error, CustomStringConvertible {
        let pattern: String
        let reason: String
        var description: String { "unable to compile regex '\(pattern)': \(reason)" }
    }

    init(pattern: String, ignoresCase: Bool) throws {
        guard let pre = pr_regexp_alloc(&proxy_module) else {
            throw CompileError(pattern: pattern, reason: "out of memory")
        }
        var flags = REG_EXTENDED | REG_NOSUB
        if ignoresCase { flags |= REG_ICASE }
        let rc = pr_regexp_compile(pre, pattern, flags)
        guard rc == 0 else {
            var buffer = [CChar](repeating: 0, count: 256)
            _ = pr_regexp_error(rc, pre, &buffer, buffer.count)
            pr_regexp_free(&proxy_module, pre)
            throw CompileError(pattern: pattern, reason: String(cString: buffer))
        }
        compiled = pre
    }

    deinit { pr_regexp_free(&proxy_module, compiled) }

    /// For config checks (`RegexSyntax`): nil when ProFTPD's engine
    /// compiles `pattern`, else its message.
    static func compileError(_ pattern: String, _ ignoresCase: Bool) -> String? {
        do {
            _ = try ProFTPDRegex(pattern: pattern, ignoresCase: ignoresCase)
            return nil
        } catch let error as CompileError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    func matches(_ text: String) -> Bool {
        pr_regexp_exec(compiled, text, 0, nil, 0, 0, 0) == 0
    }
}
