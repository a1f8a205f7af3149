import Glibc
import CProFTPD
import ProxyCore

/// session.notes entries for LogFormat's %{note:...}.
enum SessionNotes {
    static func set(_ key: String, _ value: String) {
        guard let notes = session.notes else { return }
        _ = pr_table_remove(notes, key, nil)
        _ = pr_table_add_dup(notes, pstrdup(session.pool, key), value, 0)
    }

    static func get(_ key: String) -> String? {
        guard let notes = session.notes, let value = pr_table_get(notes, key, nil) else { return nil }
        return String(cString: value.assumingMemoryBound(to: CChar.self))
    }

    /// mod_proxy.backend-ip, mod_proxy.backend-port, mod_proxy.backend-url.
    static func setBackend(address: SocketAddress, url: BackendURL) {
        set("mod_proxy.backend-ip", address.ip.description)
        set("mod_proxy.backend-port", String(address.port))
        set("mod_proxy.backend-url", url.description)
    }

    /// The backend connection's TLS, for LogFormat (an extension: upstream
    /// documents the three notes above).
    static func setBackendTLS(protocolName: String, cipher: String) {
        set("mod_proxy.backend-tls-protocol", protocolName)
        set("mod_proxy.backend-tls-cipher", cipher)
    }
}
