import CProFTPD
import CShims

/// Session inits run in module-list order (the last LoadModule first), and
/// two orders matter for a proxy:
/// - mod_proxy_protocol must read the PROXY header before mod_tls or mod_sftp
///   read from the connection (upstream: "load it last");
/// - mod_tls must do an implicit-FTPS handshake before mod_proxy sends the
///   backend's banner (upstream: "load mod_proxy before mod_tls").
/// Once the configuration is parsed, this makes both hold whatever the
/// LoadModule order.
enum ModuleOrder {
    static func arrange() {
        let protocolModule = withUnsafeMutablePointer(to: &proxy_protocol_module) { $0 }
        let proxyModule = withUnsafeMutablePointer(to: &proxy_module) { $0 }
        if let tls = loaded("tls"), isBefore(tls, proxyModule, or: false) == false, contains(proxyModule) {
            unlink(proxyModule)
            insert(proxyModule, after: tls)
            mps_log_debug(2, "\(MOD_PROXY_VERSION): starting sessions after mod_tls.c (implicit FTPS handshakes come first)")
        }
        if contains(protocolModule), loaded_modules != protocolModule {
            unlink(protocolModule)
            insert(protocolModule, after: nil)
            mps_log_debug(2, "\(MOD_PROXY_PROTOCOL_VERSION): handling new connections before every other module")
        }
    }

    // MARK: - the doubly linked list `loaded_modules`

    private static func loaded(_ name: String) -> UnsafeMutablePointer<module>? {
        var cursor = loaded_modules
        while let m = cursor {
            if let n = m.pointee.name, String(cString: n) == name { return m }
            cursor = m.pointee.next
        }
        return nil
    }

    private static func contains(_ target: UnsafeMutablePointer<module>) -> Bool {
        var cursor = loaded_modules
        while let m = cursor {
            if m == target { return true }
            cursor = m.pointee.next
        }
        return false
    }

    /// Whether `a` comes before `b` in the list (`fallback` if either is missing).
    private static func isBefore(_ a: UnsafeMutablePointer<module>, _ b: UnsafeMutablePointer<module>,
                                 or fallback: Bool) -> Bool {
        var cursor = loaded_modules
        while let m = cursor {
            if m == a { return true }
            if m == b { return false }
            cursor = m.pointee.next
        }
        return fallback
    }

    private static func unlink(_ m: UnsafeMutablePointer<module>) {
        if loaded_modules == m { loaded_modules = m.pointee.next }
        m.pointee.prev?.pointee.next = m.pointee.next
        m.pointee.next?.pointee.prev = m.pointee.prev
        m.pointee.prev = nil
        m.pointee.next = nil
    }

    /// Inserts `m` after `anchor`, or at the head when `anchor` is nil.
    private static func insert(_ m: UnsafeMutablePointer<module>, after anchor: UnsafeMutablePointer<module>?) {
        if let anchor {
            m.pointee.next = anchor.pointee.next
            m.pointee.prev = anchor
            anchor.pointee.next?.pointee.prev = m
            anchor.pointee.next = m
        } else {
            m.pointee.next = loaded_modules
            loaded_modules?.pointee.prev = m
            loaded_modules = m
        }
    }
}
