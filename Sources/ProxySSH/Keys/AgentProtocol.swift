/// The ssh-agent protocol's messages we use (draft-miller-ssh-agent):
/// list identities, sign with the RSA SHA-2 flags. Pure codecs; the socket
/// is AgentConnection's.
enum AgentProtocol {
    static let failure: UInt8 = 5
    static let requestIdentities: UInt8 = 11
    static let identitiesAnswer: UInt8 = 12
    static let signRequest: UInt8 = 13
    static let signResponse: UInt8 = 14
    /// Sign flags: RSA signatures with SHA-256 or SHA-512 instead of SHA-1.
    static let rsaSHA256Flag: UInt32 = 2
    static let rsaSHA512Flag: UInt32 = 4
    /// An agent's reply larger than this is refused (OpenSSH's own limit is 256 KiB).
    static let maxMessage = 256 * 1024

    struct Identity {
        let blob: [UInt8]
        let comment: String
    }

    /// A message framed with its uint32 length.
    static func frame(_ body: [UInt8]) -> [UInt8] {
        var w = SSHWriter()
        w.string(body)
        return w.bytes
    }

    static func identitiesRequest() -> [UInt8] { frame([requestIdentities]) }

    static func signRequest(blob: [UInt8], data: [UInt8], algorithm: HostKeyAlgorithm) -> [UInt8] {
        var w = SSHWriter()
        w.byte(signRequest)
        w.string(blob)
        w.string(data)
        w.uint32(algorithm == .rsaSHA512 ? rsaSHA512Flag : algorithm == .rsaSHA256 ? rsaSHA256Flag : 0)
        return frame(w.bytes)
    }

    static func parseIdentities(_ body: [UInt8]) throws -> [Identity] {
        var r = SSHReader(body)
        let type = try r.byte("agent reply")
        if type == failure { throw PrivateKeyError("the agent refused to list its keys") }
        guard type == identitiesAnswer else { throw PrivateKeyError("the agent answered the key list with message \(type)") }
        let count = try r.uint32("agent key count")
        guard count <= 1024 else { throw PrivateKeyError("the agent claims \(count) keys") }
        var out: [Identity] = []
        for _ in 0..<count {
            let blob = try r.string("agent key blob", limit: 16 * 1024)
            let comment = String(decoding: try r.string("agent key comment", limit: 4096), as: UTF8.self)
            out.append(Identity(blob: blob, comment: comment))
        }
        try r.expectEnd("agent key list")
        return out
    }

    /// The signature blob; checked to be of the algorithm we asked for
    /// (an old agent ignoring the flags would answer with SHA-1 ssh-rsa).
    static func parseSignature(_ body: [UInt8], algorithm: HostKeyAlgorithm) throws -> [UInt8] {
        var r = SSHReader(body)
        let type = try r.byte("agent reply")
        if type == failure { throw PrivateKeyError("the agent refused to sign with the key") }
        guard type == signResponse else { throw PrivateKeyError("the agent answered the sign request with message \(type)") }
        let signature = try r.string("agent signature", limit: 4096)
        try r.expectEnd("agent sign response")
        var s = SSHReader(signature)
        let name = try s.text("agent signature algorithm", limit: 64)
        guard name == algorithm.name else {
            throw PrivateKeyError("the agent signed with \(name), not the requested \(algorithm.name)")
        }
        return signature
    }
}
