import CProFTPD
import CShims

/// Reading the string-valued config_recs this module stores (see
/// `DirectiveHandler`), after ProFTPD merged <Global>, <VirtualHost> and
/// mod_ifsession's <IfClass>/<IfUser> sections into the server's set.
enum ConfigRecords {
    /// Every record named `name` in `set` (top level only), in config order,
    /// as string argument lists.
    static func all(_ name: String, in set: UnsafeMutablePointer<xaset_t>?) -> [[String]] {
        var result: [[String]] = []
        var c = find_config(set, Int32(CONF_PARAM), name, FALSE)
        while let rec = c {
            result.append(arguments(of: rec))
            c = find_config_next(rec, rec.pointee.next, Int32(CONF_PARAM), name, FALSE)
        }
        return result
    }

    static func arguments(of rec: UnsafeMutablePointer<config_rec>) -> [String] {
        let argc = Int(rec.pointee.argc)
        guard argc > 0, let argv = rec.pointee.argv else { return [] }
        return (0..<argc).map { i in
            argv[i].map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
        }
    }

    /// The records of the server a session runs in.
    static var mainServerSet: UnsafeMutablePointer<xaset_t>? { main_server?.pointee.conf }

    /// The records of the "server config" context (the first server of the
    /// configuration), where server-config-only directives such as
    /// ProxyTables and ProxyDatastore live for every <VirtualHost>.
    static var rootServerSet: UnsafeMutablePointer<xaset_t>? {
        guard let list = server_list, let first = list.pointee.xas_list else { return nil }
        return UnsafeMutableRawPointer(first).assumingMemoryBound(to: server_rec.self).pointee.conf
    }

    /// The first string argument of a server-config-only directive.
    static func rootValue(_ name: String) -> String? {
        all(name, in: rootServerSet).first?.first
    }
}
