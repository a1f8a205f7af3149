import CProFTPD
import ProxyCore

/// OpenSSL's error queue as text: every queued reason, oldest first (the
/// queue is emptied, so the next operation starts clean).
enum OpenSSLError {
    static func drain() -> String {
        drainWithReasons().text
    }

    /// The text, and each error's reason code (SSL_R_...) for classifying.
    static func drainWithReasons() -> (text: String, reasons: [Int32]) {
        var texts: [String] = []
        var reasons: [Int32] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            texts.append(String(cString: buffer))
            reasons.append(Int32(ERR_GET_REASON(code)))
        }
        return (texts.isEmpty ? "no further detail from OpenSSL" : texts.joined(separator: "; "), reasons)
    }

    static func clear() { ERR_clear_error() }
}

/// A TLS failure toward a backend, with what to do about it where there is
/// something to do.
struct TLSFailure: Error, CustomStringConvertible {
    let description: String
    /// The short reason the client is told, for failures of a backend's TLS.
    var reason: BackendTLSFailureReason? = nil
}
