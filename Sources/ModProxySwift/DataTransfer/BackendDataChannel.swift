import CProFTPD
import Glibc
import ProxyCore

/// The proxy's side of a data transfer with the backend: we connect to the
/// backend's PASV/EPSV port, or listen for its connection after PORT/EPRT.
final class BackendDataChannel {
    typealias Method = DataCommand

    /// How to treat a data address in the backend's PASV reply that differs
    /// from the control connection's (ProxyOptions).
    enum ForeignAddressPolicy { case refuse, allow, ignore }

    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private enum Prepared {
        case connected(TCPSocket)
        case listening(TCPSocket)
    }

    private var prepared: Prepared?
    var isPrepared: Bool { prepared != nil }

    func reset() {
        switch prepared {
        case .connected(let s)?, .listening(let s)?: s.close()
        case nil: break
        }
        prepared = nil
    }

    /// Negotiates the backend side with `method` and readies the socket.
    /// Returns the backend reply when it refused (the caller relays it).
    func prepare(method: Method, control: BackendControlChannel, foreign: ForeignAddressPolicy,
                 connectTimeout: Int, replyDeadline: Deadline) throws -> FTPReply? {
        reset()
        switch method {
        case .pasv, .epsv:
            let reply = try control.exchange(method.rawValue, deadline: replyDeadline)
            guard reply.code == (method == .pasv ? 227 : 229) else { return reply }
            let text = reply.lines.last ?? ""
            var target = control.address
            var offered: DataEndpoint?
            do {
                if method == .pasv {
                    let endpoint = try PASVReply.parse(reply)
                    offered = endpoint
                    target.port = endpoint.port
                } else {
                    target.port = try EPSVReply.parse(reply)
                }
            } catch {
                throw Failure(message: "backend sent an unusable \(method.rawValue) reply '\(text.prefix(120))': \(error)")
            }
            if let endpoint = offered, IPAddress(endpoint.address).map({ !$0.isSameHost(as: control.address.ip) }) ?? true {
                switch foreign {
                case .ignore:
                    break   // keep the control connection's address
                case .allow:
                    guard let resolved = try? SocketAddress.resolve(host: endpoint.address, port: endpoint.port, numericOnly: true).first else {
                        throw Failure(message: "backend PASV address '\(endpoint.address)' is not numeric")
                    }
                    target = resolved
                case .refuse:
                    throw Failure(message: "backend offered data address \(endpoint.address), not its control address \(control.address.ip.description) (see ProxyOptions AllowForeignAddress/IgnoreForeignAddress)")
                }
            }
            // From the control connection's own address (ProxySourceAddress).
            let source = SocketAddress.local(of: control.fd).flatMap { $0.family == target.family ? $0 : nil }
            let sock = try TCPSocket.connect(to: target, from: source, deadline: .after(seconds: connectTimeout))
            prepared = .connected(sock)
            return nil

        case .port, .eprt:
            guard var local = SocketAddress.local(of: control.fd) else {
                throw SystemError("getsockname on backend control connection")
            }
            local.port = 0
            let listener = try PassivePorts.listen(on: local)
            guard let bound = SocketAddress.local(of: listener.fd) else { throw SystemError("getsockname") }
            let argument: String
            if method == .port {
                guard let text = bound.ip.ipv4Bytes.flatMap(IPAddress.init(bytes:))?.description else {
                    throw Failure(message: "PORT needs an IPv4 address; the backend connection is IPv6 (use EPRT)")
                }
                argument = try PORTArgument.format(ipv4: text, port: bound.port)
            } else {
                argument = try EPRTArgument.format(address: bound.ip.unmapped.description, port: bound.port)
            }
            let reply = try control.exchange("\(method.rawValue) \(argument)", deadline: replyDeadline)
            guard reply.code / 100 == 2 else { return reply }
            prepared = .listening(listener)
            return nil
        }
    }

    /// The connected data socket (accepting the backend's connection for
    /// PORT/EPRT, checking that it comes from the backend's address).
    func open(expectedPeer: SocketAddress, deadline: Deadline) throws -> TCPSocket {
        guard let prepared else { throw Failure(message: "no backend data connection was negotiated") }
        self.prepared = nil
        switch prepared {
        case .connected(let sock):
            return sock
        case .listening(let listener):
            defer { listener.close() }
            let sock = try listener.accept(deadline: deadline)
            if let peer = SocketAddress.peer(of: sock.fd), !peer.ip.isSameHost(as: expectedPeer.ip) {
                sock.close()
                throw Failure(message: "backend data connection from unexpected address \(peer.ip.description)")
            }
            sock.setNoDelay()
            return sock
        }
    }
}
