import CProFTPD
import CShims
import Glibc
import ProxyCore

/// The forward role's backend: the destination the client named, checked
/// against ProxyForwardTo and against the proxy itself, then connected as a
/// reverse backend is (every resolved address tried, PROXY header, TLS per
/// ProxyTLSEngine, port 990 implicit FTPS).
enum ForwardBackend {
    /// Why a destination was not connected: `reply` goes to the client
    /// (530, upstream's texts); the reason is in ProxyLog already.
    struct Refusal: Error {
        let reply: String
    }

    /// Connects `destination` for the client, replacing any destination of
    /// an earlier USER. `proxyUser`: the proxy login's name, for the log.
    static func connect(_ proxySession: ProxySession, to destination: BackendURL,
                        proxyUser: String?) throws(Refusal) {
        let hostPort = destination.hostPort
        let who = "client \(clientAddress())" + (proxyUser.map { " (proxy user '\($0)')" } ?? "")
        func refuse(_ reason: String, reply: String) -> Refusal {
            ProxyLog.write("forward: \(who) to \(hostPort) refused: \(reason)")
            return Refusal(reply: reply)
        }
        if let reason = ForwardDestinationRules.forwardToRefusal(hostPort, options: proxySession.options) {
            throw refuse(reason, reply: "Login incorrect.")
        }
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: destination.host, port: destination.port)
        } catch {
            throw refuse("\(error)", reply: "Unable to connect to \(hostPort): \(error)")
        }
        if let own = ForwardDestinationRules.isProxyItself(addresses) {
            throw refuse("\(own) is this proxy's own address and port (a loop)",
                         reply: "Unable to connect to \(hostPort): \(errnoText(EPERM))")
        }
        if proxySession.backend != nil { proxySession.closeBackend() }
        let target = SelectedBackend(url: destination, reason: "forward")
        do {
            let connected = try ReverseConnector(options: proxySession.options).connect(candidates: [target]) { _ in }
            proxySession.backend = connected.channel
            proxySession.backendTarget = connected.target
            proxySession.backendTLS = connected.tls
            proxySession.state = .connected
            SessionNotes.setBackend(address: connected.channel.address, url: destination)
            if let tls = connected.tls {
                SessionNotes.setBackendTLS(protocolName: tls.control.protocolName, cipher: tls.control.cipherName)
            }
            ProxyLog.write("forward: \(who) connected to \(hostPort) (\(connected.channel.address))")
        } catch {
            let noBackend = error as? ReverseConnector.NoBackend
            let reason = noBackend?.lastError ?? error
            if let banner = reason as? BannerRefused {
                throw refuse("\(banner)", reply: banner.text)
            }
            if let tlsText = noBackend?.clientText {
                throw refuse("\(reason)", reply: tlsText)
            }
            throw refuse("\(reason)", reply: "Unable to connect to \(hostPort): \(shortReason(reason))")
        }
    }

    /// The part of an error a client needs: "Connection refused", not
    /// "connect: Connection refused".
    private static func shortReason(_ error: Error) -> String {
        if let system = error as? SystemError { return errnoText(system.code) }
        return "\(error)"
    }

    static func clientAddress() -> String {
        session.c.flatMap { $0.pointee.remote_addr }.map { String(cString: pr_netaddr_get_ipstr($0)) } ?? "?"
    }
}
