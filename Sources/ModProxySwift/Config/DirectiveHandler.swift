import Glibc
import CProFTPD
import CShims
import ProxyCore

/// The configuration handler of every directive of both modules: validates
/// the line (ProxyCore's DirectiveRegistry), checks the context, performs
/// the filesystem checks, and stores the canonical arguments as a string
/// config_rec that sessions turn into typed settings.
enum DirectiveHandler {
    /// Features already warned about ("parsed, not yet active"), once each.
    private static var warnedFeatures: Set<String> = []

    static func handle(_ raw: UnsafeMutablePointer<cmd_rec>) -> UnsafeMutablePointer<modret_t>? {
        let cmd = CommandRecord(raw: raw)
        let directive: ValidatedDirective
        do {
            directive = try DirectiveRegistry.validate(name: cmd.name, args: cmd.arguments)
        } catch {
            return mps_conf_error(raw, "\(error)")
        }
        let mask = contextMask(directive.contexts)
        if check_context(raw, mask) == 0 {
            let here = get_context_name(raw).map { String(cString: $0) } ?? "this"
            return mps_conf_error(raw, "directive not allowed in \(here) context (allowed: \(describe(directive.contexts)))")
        }

        var args = directive.args
        for check in directive.fileChecks {
            do {
                if case .backends(let urls) = try check.perform(ignoreConfigPerms: ignoresConfigPerms()), urls.isEmpty {
                    return mps_conf_error(raw, "no usable URLs found in '\(args.joined(separator: " "))'")
                }
            } catch {
                return mps_conf_error(raw, "\(error)")
            }
        }

        if case .parsedNotYetActive(let feature) = directive.activity, !warnedFeatures.contains(feature) {
            warnedFeatures.insert(feature)
            ProxyLog.warning("\(directive.name): \(feature) is parsed but not active yet in this build; the setting has no effect")
        }

        if directive.contexts == .classSection {
            // ProxyForwardEnabled lives in the <Class>'s notes, as upstream.
            let enabled = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
            enabled.pointee = ["on", "yes", "true", "1"].contains((args.first ?? "").lowercased()) ? 1 : 0
            if pr_class_add_note("mod_proxy.forward-enabled", enabled, MemoryLayout<Int32>.size) < 0 {
                return mps_conf_error(raw, "error storing parameter: \(errnoText(errno))")
            }
            return mps_handled(raw)
        }
        if args.isEmpty { args = [""] }
        let multi = directive.isMulti || pr_module_exists("mod_ifsession.c") == TRUE
        withCStringArray(args) { argv in
            _ = mps_add_config_strings(directive.name, Int32(args.count), argv, multi ? 1 : 0)
        }
        return mps_handled(raw)
    }

    private static func contextMask(_ contexts: DirectiveContexts) -> Int32 {
        var mask: Int32 = 0
        if contexts.contains(.serverConfig) { mask |= Int32(CONF_ROOT) }
        if contexts.contains(.virtualHost) { mask |= Int32(CONF_VIRTUAL) }
        if contexts.contains(.global) { mask |= Int32(CONF_GLOBAL) }
        if contexts.contains(.classSection) { mask |= Int32(CONF_CLASS) }
        return mask
    }

    private static func describe(_ contexts: DirectiveContexts) -> String {
        var names: [String] = []
        if contexts.contains(.serverConfig) { names.append("server config") }
        if contexts.contains(.virtualHost) { names.append("<VirtualHost>") }
        if contexts.contains(.global) { names.append("<Global>") }
        if contexts.contains(.classSection) { names.append("<Class>") }
        return names.joined(separator: ", ")
    }

    /// ProxyOptions IgnoreConfigPerms seen earlier in the same context.
    private static func ignoresConfigPerms() -> Bool {
        let set = pr_parser_config_ctxt_get()?.pointee.subset
        for args in ConfigRecords.all("ProxyOptions", in: set) where args.contains("IgnoreConfigPerms") {
            return true
        }
        return false
    }
}

/// Runs `body` with a C array of C strings (valid during the call only).
func withCStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
