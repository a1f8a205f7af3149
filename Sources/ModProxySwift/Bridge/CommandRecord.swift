import CProFTPD

/// A view of a `cmd_rec`.
struct CommandRecord {
    let raw: UnsafeMutablePointer<cmd_rec>

    var name: String { argument(0) }
    var argumentCount: Int { max(Int(raw.pointee.argc) - 1, 0) }

    func argument(_ index: Int) -> String {
        guard index < Int(raw.pointee.argc), let argv = raw.pointee.argv, let p = argv[index] else { return "" }
        return String(cString: p.assumingMemoryBound(to: CChar.self))
    }

    /// Everything after the command name, as the client sent it.
    var argumentText: String {
        guard let arg = raw.pointee.arg else { return "" }
        return String(cString: arg)
    }

    var arguments: [String] { (0..<argumentCount).map { argument($0 + 1) } }

    var id: Int32 { raw.pointee.cmd_id }

    /// Replaces the one argument (e.g. USER's name, before ProFTPD's own
    /// handlers see it), in the command's pool.
    func replaceArgument(with text: String) {
        guard raw.pointee.argc >= 2, let argv = raw.pointee.argv, let pool = raw.pointee.pool else { return }
        pr_cmd_clear_cache(raw)
        let copy = pstrdup(pool, text)
        raw.pointee.arg = copy
        argv[1] = UnsafeMutableRawPointer(copy)
    }

    /// The line to send to the backend: the command and its argument text.
    var wireLine: String {
        let arg = argumentText
        return arg.isEmpty ? name : "\(name) \(arg)"
    }
}
