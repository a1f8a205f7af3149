import CProFTPD
import CShims
import ProxyCore

/// The forward FTP session kind: the client knows it talks to a proxy and
/// names its destination (ProxyForwardMethod). Only allowed clients get
/// this far (ForwardAccess: RFC 1918 addresses, or a <Class> with
/// ProxyForwardEnabled on); the proxy greets with its own banner and
/// connects nothing until the client names a destination.
enum ForwardFTPSession {
    static func start(options: SessionOptions) {
        if case .refused(let line) = access() {
            ProxyLog.write(line)
            // As upstream: the session ends at connect, without a reply.
            pr_session_disconnect(&proxy_module, Int32(PR_SESS_DISCONNECT_CONFIG_ACL),
                                  "forward proxying not allowed for this client")
            return
        }
        _ = SessionLifecycle.begin(options, login: LoginStrategies.forward(options))
        pr_cmd_set_handler { _, _ in CommandLoop.run() }
    }

    /// ForwardAccess for this client and its <Class>'s ProxyForwardEnabled.
    private static func access() -> ForwardAccess {
        let client = session.c.flatMap { $0.pointee.remote_addr }
            .flatMap { IPAddress(String(cString: pr_netaddr_get_ipstr($0))) }
        guard let client else { return .refused("forward proxying refused: unknown client address") }
        let connClass = session.conn_class
        let enabled = connClass.flatMap { pr_table_get($0.pointee.cls_notes, "mod_proxy.forward-enabled", nil) }
            .map { $0.assumingMemoryBound(to: Int32.self).pointee != 0 }
        let name = connClass.flatMap { $0.pointee.cls_name }.map { String(cString: $0) }
        return ForwardAccess.decide(client: client, classSetting: enabled, className: name)
    }
}
