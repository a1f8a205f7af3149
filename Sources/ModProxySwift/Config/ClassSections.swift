import CProFTPD

/// mod_ifsession's <IfClass> sections that match the session's class *as
/// the connection arrived* (e.g. the load balancer's address). mod_ifsession
/// merges them only in its own session init, which runs after
/// mod_proxy_protocol's; so `<IfClass lb> ProxyProtocolEngine on` is read
/// here, directly from the unmerged sections.
enum ClassSections {
    /// mod_ifsession's config_type for the record describing the class list.
    private static let classListType: Int32 = 100
    private static let evalAnd = UInt8(PR_EXPR_EVAL_AND), evalOr = UInt8(PR_EXPR_EVAL_OR)

    /// The config sets of every matching <IfClass> section.
    static func matchingSets(in set: UnsafeMutablePointer<xaset_t>?) -> [UnsafeMutablePointer<xaset_t>] {
        var result: [UnsafeMutablePointer<xaset_t>] = []
        var c = find_config(set, -1, "<IfClass>", FALSE)
        while let section = c {
            if let subset = section.pointee.subset,
               let list = find_config(subset, classListType, nil, FALSE),
               list.pointee.argc >= 3, let argv = list.pointee.argv, let evalRaw = argv[1] {
                let eval = evalRaw.assumingMemoryBound(to: UInt8.self).pointee
                let names = UnsafeMutableRawPointer(mutating: argv + 2).assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
                let matched: Bool
                switch eval {
                case evalOr: matched = pr_expr_eval_class_or(names) == TRUE
                case evalAnd: matched = pr_expr_eval_class_and(names) == TRUE
                default: matched = false   // regex classes: left to mod_ifsession
                }
                if matched { result.append(subset) }
            }
            c = find_config_next(section, section.pointee.next, -1, "<IfClass>", FALSE)
        }
        return result
    }
}
