import CProFTPD
import ProxyCore

/// The TransferRate that applies to a proxied transfer, chosen as
/// pr_throttle_init() chooses it (its result is private to throttle.c):
/// the records naming the command; one with a user/group/class expression
/// wins when the expression matches, otherwise the highest precedence.
/// Group rates match only the groups the proxy authenticated
/// (UseReverseProxyAuth); otherwise it knows none (see LimitCheck).
enum TransferRateConfig {
    static func throttle(for command: String) -> TransferThrottle? {
        let conf = session.dir_config?.pointee.subset ?? main_server?.pointee.conf
        var found: TransferThrottle?
        var precedence: UInt32 = 0
        var c = find_config(conf, Int32(CONF_PARAM), "TransferRate", FALSE)
        while let rec = c {
            defer { c = find_config_next(rec, rec.pointee.next, Int32(CONF_PARAM), "TransferRate", FALSE) }
            guard rec.pointee.argc >= 4, let argv = rec.pointee.argv, names(argv[0]).contains(command.uppercased()),
                  let kbps = argv[1], let free = argv[2], let prec = argv[3] else { continue }
            let recPrecedence = prec.assumingMemoryBound(to: UInt32.self).pointee
            let rate = TransferThrottle(kilobytesPerSecond: Double(kbps.assumingMemoryBound(to: Float80.self).pointee),
                                        freeBytes: Int64(free.assumingMemoryBound(to: off_t.self).pointee))
            if rec.pointee.argc > 4, let kind = argv[4] {
                let expr = UnsafeMutableRawPointer(argv + 5).assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
                let matched: Int32
                switch String(cString: kind.assumingMemoryBound(to: CChar.self)).lowercased() {
                case "user": matched = pr_expr_eval_user_or(expr)
                case "group": matched = pr_expr_eval_group_and(expr)
                case "class": matched = pr_expr_eval_class_or(expr)
                default: matched = 0
                }
                if matched == 1 && recPrecedence > precedence {
                    precedence = recPrecedence
                    found = rate
                }
            } else if recPrecedence > precedence {
                precedence = recPrecedence
                found = rate
            }
        }
        return found
    }

    private static func names(_ list: UnsafeMutableRawPointer?) -> [String] {
        guard let list else { return [] }
        let items = list.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
        var out: [String] = []
        var i = 0
        while let p = items[i] {
            out.append(String(cString: p).uppercased())
            i += 1
        }
        return out
    }
}
