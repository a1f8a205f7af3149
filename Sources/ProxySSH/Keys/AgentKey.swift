/// A key held by an ssh-agent (ProxySFTPHostKey agent:/path): the agent
/// signs, the private half never reaches us.
public final class AgentKey: SSHSigningKey {
    public let publicKeyBlob: [UInt8]
    public let keyType: String
    public let comment: String
    private let connection: AgentConnection

    init(identity: AgentProtocol.Identity, connection: AgentConnection) throws {
        publicKeyBlob = identity.blob
        comment = identity.comment
        self.connection = connection
        var r = SSHReader(identity.blob)
        keyType = try r.text("agent key type", limit: 64)
    }

    /// The agent's keys usable for hostbased (RSA, ECDSA, Ed25519); others
    /// (certificates, FIDO keys) are skipped.
    public static func keys(agentSocket path: String, timeoutMilliseconds: Int32 = 5000) throws -> [AgentKey] {
        let connection = AgentConnection(socketPath: path, timeoutMilliseconds: timeoutMilliseconds)
        let identities = try AgentProtocol.parseIdentities(try connection.exchange(AgentProtocol.identitiesRequest()))
        return try identities.compactMap { identity in
            let key = try AgentKey(identity: identity, connection: connection)
            return key.signatureAlgorithms.isEmpty ? nil : key
        }
    }

    public func sign(_ data: [UInt8], algorithm: HostKeyAlgorithm) throws -> [UInt8] {
        guard algorithm.keyType == keyType else { throw PrivateKeyError("a \(keyType) key cannot sign as \(algorithm.name)") }
        let reply = try connection.exchange(AgentProtocol.signRequest(blob: publicKeyBlob, data: data, algorithm: algorithm))
        return try AgentProtocol.parseSignature(reply, algorithm: algorithm)
    }
}
