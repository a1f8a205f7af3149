import CProFTPD
import CShims
import ProxyCore

// The C module tables (Sources/CShims/module_tables.c) point here.

@_cdecl("mps_set_directive")
func mps_set_directive(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    guard let cmd else { return nil }
    return DirectiveHandler.handle(cmd)
}

@_cdecl("mps_cmd_any")
func mps_cmd_any(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    guard let cmd, let proxySession = currentSession else { return nil }
    return CommandRouter.route(CommandRecord(raw: cmd), session: proxySession)
}

/// POST_CMD PROT: mod_tls accepted the client's PROT; with
/// ProxyTLSTransferProtectionPolicy client the backend follows it.
@_cdecl("mps_post_prot")
func mps_post_prot(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    if let cmd, let proxySession = currentSession {
        BackendTLSNegotiation.followClientPROT(CommandRecord(raw: cmd), session: proxySession)
    }
    return nil
}

/// POST_CMD AUTH: mod_tls accepted the client's AUTH TLS; with
/// ProxyTLSEngine MatchClient a backend connected in clear follows it.
@_cdecl("mps_post_auth")
func mps_post_auth(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    if let proxySession = currentSession {
        BackendTLSNegotiation.followClientAUTH(session: proxySession)
    }
    return nil
}

/// Module init, in the daemon (also after each SIGHUP: Swift globals survive
/// the reload, so reset what a new configuration may change).
@_cdecl("mps_module_init")
func mps_module_init() -> Int32 {
    currentSession = nil
    TLSClientContexts.reset()
    RegexSyntax.compileError = ProFTPDRegex.compileError
    EventHooks.register(&proxy_module, "core.postparse") { _, _ in
        ModuleOrder.arrange()
        MasterStartup.prepareDatastores(resetStale: false)
    }
    EventHooks.register(&proxy_module, "core.startup") { _, _ in
        MasterStartup.prepareDatastores(resetStale: true)
    }
    return 0
}

@_cdecl("mps_session_init")
func mps_session_init() -> Int32 {
    SessionLifecycle.start()
}

@_cdecl("mpp_set_directive")
func mpp_set_directive(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    guard let cmd else { return nil }
    return DirectiveHandler.handle(cmd)
}

@_cdecl("mpp_module_init")
func mpp_module_init() -> Int32 {
    // Also here: mod_proxy_protocol may be loaded without mod_proxy.
    EventHooks.register(&proxy_protocol_module, "core.postparse") { _, _ in
        ModuleOrder.arrange()
        ClassSections.checkAtStartup()
    }
    return 0
}

@_cdecl("mpp_session_init")
func mpp_session_init() -> Int32 {
    ProxyProtocolSession.start()
}
