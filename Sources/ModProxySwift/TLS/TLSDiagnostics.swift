import CProFTPD

/// ProxyTLSOptions EnableDiags: each handshake step and every alert of TLS
/// toward backends, in ProxyLog (as mod_tls's TLSOptions EnableDiags does
/// for clients).
enum TLSDiagnostics {
    static let callback: @convention(c) (OpaquePointer?, Int32, Int32) -> Void = { ssl, event, value in
        guard let ssl else { return }
        let state = SSL_state_string_long(ssl).map { String(cString: $0) } ?? "?"
        if event & SSL_CB_ALERT != 0 {
            let direction = event & SSL_CB_READ != 0 ? "received" : "sent"
            let level = SSL_alert_type_string_long(value).map { String(cString: $0) } ?? "?"
            let description = SSL_alert_desc_string_long(value).map { String(cString: $0) } ?? "?"
            ProxyLog.write("TLS diagnostics: \(direction) \(level) alert: \(description)")
        } else if event & SSL_CB_HANDSHAKE_DONE != 0 {
            ProxyLog.write("TLS diagnostics: handshake done (\(state))")
        } else if event & SSL_CB_LOOP != 0 {
            ProxyLog.write("TLS diagnostics: \(state)")
        } else if event & SSL_CB_EXIT != 0 && value <= 0 {
            ProxyLog.write("TLS diagnostics: \(value == 0 ? "failed" : "waiting") in \(state)")
        }
    }
}
