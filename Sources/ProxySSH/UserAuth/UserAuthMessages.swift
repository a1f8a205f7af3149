/// The user-authentication messages (RFC 4252, keyboard-interactive RFC
/// 4256) the proxy sends to a backend, and the backend's replies decoded
/// with every length checked (a hostile backend gets a clear error).
public enum UserAuthMessages {
    /// More prompts than this in one INFO_REQUEST are refused (the client
    /// would have to answer them all through mod_sftp).
    public static let maxPrompts = 32

    public static func serviceRequest(_ service: String = "ssh-userauth") -> [UInt8] {
        var w = SSHWriter()
        w.byte(5)
        w.string(service)
        return w.bytes
    }

    public static func passwordRequest(user: String, password: String) -> [UInt8] {
        var w = request(user: user, method: "password")
        w.boolean(false)
        w.string(password)
        return w.bytes
    }

    public static func keyboardInteractiveRequest(user: String) -> [UInt8] {
        var w = request(user: user, method: "keyboard-interactive")
        w.string("")  // language tag
        w.string("")  // submethods
        return w.bytes
    }

    /// The proxy's hostbased request (RFC 4252 section 9), signed over the
    /// session id and the request; returns the request and the signed data.
    public static func hostbasedRequest(user: String, key: HostbasedSigner, clientHost: String, clientUser: String,
                                        sessionID: [UInt8]) throws -> (request: [UInt8], signed: [UInt8]) {
        var w = request(user: user, method: "hostbased")
        w.string(key.algorithm.name)
        w.string(key.publicBlob)
        w.string(clientHost)
        w.string(clientUser)
        var signed = SSHWriter()
        signed.string(sessionID)
        signed.raw(w.bytes)
        w.string(try key.sign(signed.bytes))
        return (w.bytes, signed.bytes)
    }

    // ssh-agent (draft-miller-ssh-agent): the two requests the proxy makes.

    /// SSH_AGENTC_REQUEST_IDENTITIES, framed (uint32 length first).
    public static func agentIdentitiesRequest() -> [UInt8] { [0, 0, 0, 1, 11] }

    /// SSH_AGENTC_SIGN_REQUEST for `blob`, framed; RSA keys ask for rsa-sha2-512.
    public static func agentSignRequest(blob: [UInt8], data: [UInt8], rsaSHA512: Bool) -> [UInt8] {
        var w = SSHWriter()
        w.byte(13)
        w.string(blob)
        w.string(data)
        w.uint32(rsaSHA512 ? 4 : 0)
        var framed = SSHWriter()
        framed.string(w.bytes)
        return framed.bytes
    }

    /// SSH_AGENT_IDENTITIES_ANSWER: the key blobs (comments dropped).
    public static func agentIdentities(_ message: [UInt8]) throws -> [[UInt8]] {
        var r = SSHReader(message)
        guard try r.byte("agent reply") == 12 else { throw SSHWireError(field: "agent reply", problem: "not an identities answer") }
        let count = try r.uint32("number of keys")
        guard count <= 256 else { throw SSHWireError(field: "number of keys", problem: "\(count) (at most 256)") }
        var blobs: [[UInt8]] = []
        for _ in 0..<count {
            blobs.append(try r.string("key blob", limit: 16 * 1024))
            _ = try r.string("comment", limit: 4096)
        }
        return blobs
    }

    /// SSH_AGENT_SIGN_RESPONSE: the signature blob.
    public static func agentSignature(_ message: [UInt8]) throws -> [UInt8] {
        var r = SSHReader(message)
        guard try r.byte("agent reply") == 14 else { throw SSHWireError(field: "agent reply", problem: "the agent refused to sign") }
        return try r.string("signature", limit: 16 * 1024)
    }

    public static func infoResponse(_ answers: [String]) -> [UInt8] {
        var w = SSHWriter()
        w.byte(61)
        w.uint32(UInt32(answers.count))
        for answer in answers { w.string(answer) }
        return w.bytes
    }

    private static func request(user: String, method: String) -> SSHWriter {
        var w = SSHWriter()
        w.byte(50)
        w.string(user)
        w.string("ssh-connection")
        w.string(method)
        return w
    }

    public struct Prompt: Equatable {
        public let text: String
        public let echo: Bool
        public init(text: String, echo: Bool) {
            self.text = text
            self.echo = echo
        }
    }

    public struct InfoRequest: Equatable {
        public let name: String
        public let instruction: String
        public let prompts: [Prompt]
    }

    public enum Reply: Equatable {
        case serviceAccept
        case success
        case failure(methods: [String])
        case banner
        /// Message 60 during keyboard-interactive.
        case infoRequest(InfoRequest)
        /// Message 60 during a password login.
        case passwordChangeRequest
        case unexpected(UInt8)
    }

    /// A backend's reply; message 60 is read as `keyboardInteractive` says.
    public static func decode(_ payload: [UInt8], keyboardInteractive: Bool) throws -> Reply {
        var r = SSHReader(payload)
        switch try r.byte("message number") {
        case 6: return .serviceAccept
        case 52: return .success
        case 51: return .failure(methods: try r.nameList("methods that can continue"))
        case 53: return .banner
        case 60 where keyboardInteractive:
            let name = try r.text("prompt name", limit: 1024)
            let instruction = try r.text("instruction", limit: 4096)
            _ = try r.text("language tag", limit: 256)
            let count = try r.uint32("number of prompts")
            guard count <= maxPrompts else {
                throw SSHWireError(field: "number of prompts", problem: "\(count) (at most \(maxPrompts) are relayed)")
            }
            var prompts: [Prompt] = []
            for _ in 0..<count {
                prompts.append(Prompt(text: try r.text("prompt", limit: 4096), echo: try r.boolean("echo")))
            }
            return .infoRequest(InfoRequest(name: name, instruction: instruction, prompts: prompts))
        case 60: return .passwordChangeRequest
        case let other: return .unexpected(other)
        }
    }
}
