import CProFTPD

/// OpenSSL's error queue as text: every queued reason, oldest first (the
/// queue is emptied, so the next operation starts clean).
enum OpenSSLError {
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(cString: buffer))
        }
        return reasons.isEmpty ? "no further detail from OpenSSL" : reasons.joined(separator: "; ")
    }

    static func clear() { ERR_clear_error() }
}

/// A TLS failure toward a backend, with what to do about it where there is
/// something to do.
struct TLSFailure: Error, CustomStringConvertible {
    let description: String
}
