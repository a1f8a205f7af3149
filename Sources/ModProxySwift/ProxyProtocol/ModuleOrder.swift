import CProFTPD
import CShims

/// mod_proxy_protocol must see a new connection before mod_tls and mod_sftp
/// read from it. ProFTPD runs session inits in module-list order (the last
/// LoadModule first), so upstream asks for mod_proxy_protocol to be loaded
/// last. This module makes that hold whatever the LoadModule order: once the
/// configuration is parsed it moves itself to the head of the list.
enum ModuleOrder {
    static func moveProxyProtocolFirst() {
        let ours = withUnsafeMutablePointer(to: &proxy_protocol_module) { $0 }
        guard let head = loaded_modules, head != ours else { return }
        // Only if it is loaded at all (LoadModule mod_proxy_protocol.c).
        var cursor: UnsafeMutablePointer<module>? = head
        var found = false
        while let m = cursor {
            if m == ours { found = true; break }
            cursor = m.pointee.next
        }
        guard found else { return }
        let displaced = head.pointee.name.map { String(cString: $0) } ?? "?"
        // Unlink...
        ours.pointee.prev?.pointee.next = ours.pointee.next
        ours.pointee.next?.pointee.prev = ours.pointee.prev
        // ...and push at the head.
        ours.pointee.prev = nil
        ours.pointee.next = head
        head.pointee.prev = ours
        loaded_modules = ours
        mps_log_debug(2, "mod_proxy_protocol/0.6: handling new connections before mod_\(displaced).c and every other module")
    }
}
