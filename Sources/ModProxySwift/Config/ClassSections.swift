import CProFTPD
import CShims
import Glibc
import ProxyCore

/// mod_ifsession's <IfClass> sections that match the session's class *as
/// the connection arrived* (e.g. the load balancer's address). mod_ifsession
/// merges them only in its own session init, which runs after
/// mod_proxy_protocol's; so `<IfClass lb> ProxyProtocolEngine on` is read
/// here, directly from the unmerged sections.
///
/// Their records are mod_ifsession's private layout (IfClassRecordShape):
/// read only on ProFTPD versions where it is known, and each record checked
/// before use. Otherwise the sections are skipped here (mod_ifsession still
/// applies them later, too late for the PROXY header) with one warning.
enum ClassSections {
    private static let evalAnd = UInt8(PR_EXPR_EVAL_AND), evalOr = UInt8(PR_EXPR_EVAL_OR)
    /// Set in the daemon at startup; sessions are forked from it, so each
    /// warning appears once per daemon, not per session.
    private static var warned: Set<String> = []

    /// The config sets of every matching <IfClass> section.
    static func matchingSets(in set: UnsafeMutablePointer<xaset_t>?) -> [UnsafeMutablePointer<xaset_t>] {
        var result: [UnsafeMutablePointer<xaset_t>] = []
        forEachSection(in: set) { subset, names, eval in
            let matched: Bool
            switch eval {
            case .or: matched = pr_expr_eval_class_or(names) == TRUE
            case .and: matched = pr_expr_eval_class_and(names) == TRUE
            case .regex: matched = false   // regex classes: left to mod_ifsession
            }
            if matched { result.append(subset) }
        }
        return result
    }

    /// At daemon start (core.postparse): checks every server's sections, so
    /// an unknown layout or a malformed record is reported once, up front.
    static func checkAtStartup() {
        guard let list = server_list, var member = list.pointee.xas_list else { return }
        while true {
            let server = UnsafeMutableRawPointer(member).assumingMemoryBound(to: server_rec.self)
            forEachSection(in: server.pointee.conf) { _, _, _ in }
            guard let next = member.pointee.next else { break }
            member = next
        }
    }

    /// Calls `body` with each valid section's config set, its NULL-terminated
    /// class names (argv + 2) and how they combine.
    private static func forEachSection(
        in set: UnsafeMutablePointer<xaset_t>?,
        _ body: (UnsafeMutablePointer<xaset_t>, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, IfClassRecordShape.Evaluation) -> Void
    ) {
        var c = find_config(set, -1, "<IfClass>", FALSE)
        guard c != nil else { return }
        let version = UInt(pr_version_get_number())
        guard IfClassRecordShape.isKnownLayout(versionNumber: version) else {
            let text = pr_version_get_str().map { String(cString: $0) } ?? "?"
            warnOnce("<IfClass> sections are not read before mod_ifsession on ProFTPD \(text) (their layout is known for 1.3.8 only): mod_proxy_protocol directives inside <IfClass> have no effect on the PROXY header")
            return
        }
        while let section = c {
            if let subset = section.pointee.subset,
               let record = find_config(subset, -1, IfClassRecordShape.recordName, FALSE) {
                do {
                    let (names, eval) = try decode(record)
                    body(subset, names, eval)
                } catch {
                    let args = record.pointee.argv?[0].map { ConfigText.printable(boundedString($0, IfClassRecordShape.maxArgumentText) ?? "?", limit: 80) } ?? "?"
                    warnOnce("skipping an unexpected <IfClass \(args)> record (\(error)): mod_proxy_protocol directives inside it have no effect on the PROXY header")
                }
            }
            c = find_config_next(section, section.pointee.next, -1, "<IfClass>", FALSE)
        }
    }

    /// Checks the record's shape, dereferencing only what the previous
    /// checks proved present.
    private static func decode(_ record: UnsafeMutablePointer<config_rec>)
        throws -> (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, IfClassRecordShape.Evaluation) {
        let argc = Int(record.pointee.argc)
        guard let argv = record.pointee.argv else { throw IfClassRecordShape.Problem.missingArgument(index: 0) }
        let evalByte = argc >= 2 ? argv[1]?.assumingMemoryBound(to: UInt8.self).pointee : nil
        let eval = try IfClassRecordShape.evaluation(configType: record.pointee.config_type, argc: argc,
                                                      evaluationByte: evalByte)
        let names = UnsafeMutableRawPointer(argv + 2).assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)
        guard eval != .regex else { return (names, eval) }
        let text = argv[0].flatMap { boundedString($0, IfClassRecordShape.maxArgumentText) }
        let nameTexts = (2..<argc).map { argv[$0].flatMap { boundedString($0, IfClassRecordShape.maxClassName) } }
        try IfClassRecordShape.checkNames(nameTexts, terminatorIsNull: argv[argc] == nil, argumentText: text)
        return (names, eval)
    }

    /// The C string at `raw`, or nil when it is longer than `limit`.
    private static func boundedString(_ raw: UnsafeMutableRawPointer, _ limit: Int) -> String? {
        let chars = raw.assumingMemoryBound(to: CChar.self)
        let length = strnlen(chars, limit + 1)
        guard length <= limit else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: raw, count: length), as: UTF8.self)
    }

    private static func warnOnce(_ message: String) {
        guard !warned.contains(message) else { return }
        warned.insert(message)
        mps_log_pri(PR_LOG_WARNING, "\(ProxyProtocolSession.ident): \(message)")
    }
}
