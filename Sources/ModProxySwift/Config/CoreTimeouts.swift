import CProFTPD

/// ProFTPD's own Timeout* directives of the session's server (mod_core
/// stores each as an int; 0 means "none").
enum CoreTimeouts {
    static func seconds(_ name: String, default value: Int) -> Int {
        guard let ptr = get_param_ptr(main_server?.pointee.conf, name, FALSE) else { return value }
        return Int(ptr.assumingMemoryBound(to: Int32.self).pointee)
    }

    /// TimeoutLogin, or ProFTPD's default 300 s when it is 0: the longest a
    /// client may keep a session that has not logged in.
    static var login: Int {
        let value = seconds("TimeoutLogin", default: 300)
        return value > 0 ? value : 300
    }
}
