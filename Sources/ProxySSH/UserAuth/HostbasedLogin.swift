/// Drives a hostbased login with several keys: each key's request (with
/// each usable signature algorithm) in turn until the server answers
/// SUCCESS or every one was refused. Pure: the
/// caller sends the payloads through SSHClientTransport after the
/// "ssh-userauth" service was accepted, and feeds back the server's
/// userauth replies.
public final class HostbasedLogin {
    public enum Step: Equatable {
        /// Send this payload and feed the reply.
        case send([UInt8])
        case succeeded
        /// Every key was refused; the reason names them.
        case refused(String)
    }

    private let request: HostbasedRequest
    private let keys: [SSHSigningKey]
    private let sessionID: [UInt8]
    private let serverSignatureAlgorithms: [String]?
    private var next = 0
    /// Algorithms still to try with the current key (`keys[next - 1]`).
    private var pendingAlgorithms: [HostKeyAlgorithm] = []
    private var tried: [String] = []
    /// The key the server accepted.
    public private(set) var acceptedKey: SSHSigningKey?
    /// The algorithm of the request in flight (the accepted one after SUCCESS).
    public private(set) var algorithm: HostKeyAlgorithm?
    /// A USERAUTH_BANNER's text, if the server sent one.
    public private(set) var banner: String?

    public init(request: HostbasedRequest, keys: [SSHSigningKey], sessionID: [UInt8], serverSignatureAlgorithms: [String]?) {
        self.request = request
        self.keys = keys
        self.sessionID = sessionID
        self.serverSignatureAlgorithms = serverSignatureAlgorithms
    }

    public func start() -> Step { tryNextKey() }

    /// A userauth reply from the server (FAILURE, SUCCESS, BANNER).
    public func handle(_ payload: [UInt8]) throws -> Step? {
        var r = SSHReader(payload)
        switch try r.byte("message number") {
        case UserAuthMessage.success:
            acceptedKey = keys[next - 1]
            return .succeeded
        case UserAuthMessage.failure:
            let methods = try r.nameList("methods that can continue")
            if try r.boolean("partial success") {
                // AuthenticationMethods asks for more than hostbased: the proxy has nothing else to offer.
                return .refused("the server accepted hostbased but requires more (\(methods.joined(separator: ","))) for \(request.user)")
            }
            if !methods.contains("hostbased") {
                return .refused("the server does not offer hostbased authentication (it offers \(methods.joined(separator: ",")))")
            }
            return tryNextKey()
        case UserAuthMessage.banner:
            banner = try r.text("banner")
            return nil
        case let other:
            throw SSHWireError(field: "userauth reply", problem: "message \(other) is not a userauth reply")
        }
    }

    private func tryNextKey() -> Step {
        while true {
            if pendingAlgorithms.isEmpty {
                guard next < keys.count else { break }
                let key = keys[next]
                next += 1
                do {
                    pendingAlgorithms = try HostbasedSignatureChoice.algorithms(forKeyType: key.keyType,
                                                                                serverSignatureAlgorithms: serverSignatureAlgorithms)
                } catch {
                    tried.append("\(key.keyType) \(key.fingerprint) (\(error))")
                    continue
                }
            }
            let key = keys[next - 1]
            let algorithm = pendingAlgorithms.removeFirst()
            self.algorithm = algorithm
            do {
                let payload = try request.payload(sessionID: sessionID, key: key, algorithm: algorithm)
                tried.append("\(algorithm.name) \(key.fingerprint)")
                return .send(payload)
            } catch {
                tried.append("\(algorithm.name) \(key.fingerprint) (\(error))")
            }
        }
        return .refused("hostbased login as \(request.user) from \(request.clientHostOnWire) refused for every key: "
                        + (tried.isEmpty ? "no keys" : tried.joined(separator: "; ")))
    }
}
