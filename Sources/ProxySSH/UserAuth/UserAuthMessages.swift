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
