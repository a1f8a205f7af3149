import Glibc

/// POSIX extended regular expressions (regcomp/regexec), as ProFTPD uses for
/// ProxyForwardTo and ProxySFTPServerMatch.
enum POSIXRegex {
    /// nil when `pattern` compiles, else regerror's message.
    static func compileError(_ pattern: String, ignoringCase: Bool = false) -> String? {
        var regex = regex_t()
        let status = regcomp(&regex, pattern, flags(ignoringCase))
        defer { if status == 0 { regfree(&regex) } }
        guard status != 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = regerror(status, &regex, &buffer, buffer.count)
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `text` matches; nil if the pattern does not compile.
    static func matches(_ pattern: String, _ text: String, ignoringCase: Bool = false) -> Bool? {
        var regex = regex_t()
        guard regcomp(&regex, pattern, flags(ignoringCase)) == 0 else { return nil }
        defer { regfree(&regex) }
        return regexec(&regex, text, 0, nil, 0) == 0
    }

    private static func flags(_ ignoringCase: Bool) -> Int32 {
        REG_EXTENDED | REG_NOSUB | (ignoringCase ? REG_ICASE : 0)
    }
}
