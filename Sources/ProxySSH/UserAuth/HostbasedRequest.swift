/// An SSH_MSG_USERAUTH_REQUEST for "hostbased" (RFC 4252 section 9): the
/// proxy, as a trusted client host, vouches for the user it has already
/// authenticated itself.
public struct HostbasedRequest {
    /// The user to log in as at the server.
    public var user: String
    public var service = "ssh-connection"
    /// The service the signature covers: `service`, but "ssh-userauth" for
    /// servers that check it so (`ServerFeatures.serviceInHostbasedSignature`).
    public var signedService: String?
    /// Our host name as the server's known-hosts and shosts.equiv name it.
    public var clientHost: String
    /// The user's name on our side (upstream: the same as `user`).
    public var clientUser: String

    public init(user: String, clientHost: String, clientUser: String) {
        self.user = user
        self.clientHost = clientHost
        self.clientUser = clientUser
    }

    /// The host name as sent: OpenSSH's client appends a dot (a fully
    /// qualified name) and sshd strips one before its lookups.
    public var clientHostOnWire: String { clientHost.hasSuffix(".") ? clientHost : clientHost + "." }

    /// Everything after the message number, up to (not including) the signature.
    private func fields(algorithm: HostKeyAlgorithm, publicKeyBlob: [UInt8], service: String, into w: inout SSHWriter) {
        w.byte(UserAuthMessage.request)
        w.string(user)
        w.string(service)
        w.string("hostbased")
        w.string(algorithm.name)
        w.string(publicKeyBlob)
        w.string(clientHostOnWire)
        w.string(clientUser)
    }

    /// What the key signs: the session identifier, then the request without its signature.
    public func signedData(sessionID: [UInt8], algorithm: HostKeyAlgorithm, publicKeyBlob: [UInt8]) -> [UInt8] {
        var w = SSHWriter()
        w.string(sessionID)
        fields(algorithm: algorithm, publicKeyBlob: publicKeyBlob, service: signedService ?? service, into: &w)
        return w.bytes
    }

    /// The signed request payload.
    public func payload(sessionID: [UInt8], key: SSHSigningKey, algorithm: HostKeyAlgorithm) throws -> [UInt8] {
        let signature = try key.sign(signedData(sessionID: sessionID, algorithm: algorithm, publicKeyBlob: key.publicKeyBlob),
                                     algorithm: algorithm)
        var w = SSHWriter()
        fields(algorithm: algorithm, publicKeyBlob: key.publicKeyBlob, service: service, into: &w)
        w.string(signature)
        return w.bytes
    }
}
