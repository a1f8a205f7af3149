import Glibc
import CProFTPD
import CShims

/// ProFTPD event listeners. Event names must outlive the registration, so
/// they are copied into the permanent pool.
enum EventHooks {
    typealias Listener = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Void

    static func register(_ module: UnsafeMutablePointer<module>, _ event: String, _ listener: Listener) {
        let name = pstrdup(permanent_pool, event)
        _ = pr_event_register(module, name, listener, nil)
    }

    /// Listeners of one proxied session.
    static func registerSessionEvents() {
        register(&proxy_module, "core.exit") { _, _ in SessionLifecycle.end() }
        register(&proxy_module, "core.session-reinit") { _, _ in HostSwitch.serverChanged() }
    }
}
