import COpenSSLCrypto

/// A libcrypto call that failed, with OpenSSL's own reason when it gave one.
public struct CryptoError: Error, CustomStringConvertible {
    public let operation: String
    public let reason: String

    init(_ operation: String) {
        self.operation = operation
        let code = ERR_get_error()
        if code == 0 {
            reason = "no OpenSSL reason"
        } else if let r = ERR_reason_error_string(code) {
            reason = String(cString: r)
        } else {
            reason = "OpenSSL error \(code)"
        }
        ERR_clear_error()
    }

    public var description: String { "\(operation) failed: \(reason)" }
}
