import ProxySSH

/// The backend's user authentication (RFC 4252) for a password the client
/// gave mod_sftp: the backend's answer decides the login.
struct SSHBackendLogin {
    let connection: SSHBackendConnection

    enum Outcome: Equatable {
        case accepted
        /// The backend refused; the methods it would take instead.
        case refused(String)
    }

    /// SERVICE_REQUEST "ssh-userauth" once, before the first attempt.
    func requestService(deadline: Deadline) throws {
        var w = SSHWriter()
        w.byte(5)
        w.string("ssh-userauth")
        try connection.send(w.bytes, deadline: deadline)
        let reply = try connection.nextPayload(deadline: deadline)
        guard reply.first == 6 else {
            throw SSHBackendConnection.Failure(description: "backend answered the userauth service request with message \(reply.first ?? 0)")
        }
    }

    /// A round of the backend's keyboard-interactive prompts (RFC 4256).
    struct Prompts {
        let name: String
        let instruction: String
        let prompts: [(text: String, echo: Bool)]
    }

    /// Keyboard-interactive: each INFO_REQUEST goes to `answer` (the
    /// client, through mod_sftp); nil answers end the attempt as refused.
    /// Each wait for the backend gets `replySeconds` anew: the client's
    /// typing time is mod_sftp's to bound.
    func keyboardInteractive(user: String, replySeconds: Int, answer: (Prompts) -> [String]?) throws -> Outcome {
        var w = SSHWriter()
        w.byte(50)
        w.string(user)
        w.string("ssh-connection")
        w.string("keyboard-interactive")
        w.string("")  // language
        w.string("")  // submethods
        try connection.send(w.bytes, deadline: .after(seconds: replySeconds))
        while true {
            let reply = try connection.nextPayload(deadline: .after(seconds: replySeconds))
            var r = SSHReader(reply)
            switch try r.byte() {
            case 52:
                return .accepted
            case 51:
                return .refused((try? r.nameList().joined(separator: ",")) ?? "?")
            case 53:
                continue
            case 60:
                let name = try r.text("prompt name")
                let instruction = try r.text("instruction")
                _ = try r.text("language tag")
                let count = try r.uint32("number of prompts")
                guard count <= 32 else {
                    throw SSHBackendConnection.Failure(description: "backend sent \(count) keyboard-interactive prompts (at most 32 are relayed)")
                }
                var prompts: [(text: String, echo: Bool)] = []
                for _ in 0..<count {
                    prompts.append((try r.text("prompt"), try r.boolean("echo")))
                }
                // A round without prompts (OpenSSH's PAM ends with one) is
                // answered here: mod_sftp cannot send an empty challenge.
                guard let answers = prompts.isEmpty ? []
                        : answer(Prompts(name: name, instruction: instruction, prompts: prompts)) else {
                    return .refused("the client gave no answers")
                }
                var response = SSHWriter()
                response.byte(61)
                response.uint32(UInt32(answers.count))
                for text in answers { response.string(text) }
                try connection.send(response.bytes, deadline: .after(seconds: replySeconds))
            case let other:
                throw SSHBackendConnection.Failure(description: "backend answered a keyboard-interactive login with message \(other)")
            }
        }
    }

    func password(user: String, password: String, deadline: Deadline) throws -> Outcome {
        var w = SSHWriter()
        w.byte(50)
        w.string(user)
        w.string("ssh-connection")
        w.string("password")
        w.boolean(false)
        w.string(password)
        try connection.send(w.bytes, deadline: deadline)
        while true {
            let reply = try connection.nextPayload(deadline: deadline)
            var r = SSHReader(reply)
            switch try r.byte() {
            case 52:
                return .accepted
            case 51:
                return .refused((try? r.nameList().joined(separator: ",")) ?? "?")
            case 53:
                continue  // USERAUTH_BANNER: mod_sftp has its own (SFTPDisplayBanner)
            case 60:
                // mod_sftp cannot relay a password change request.
                return .refused("the backend asks for a password change, which the proxy cannot relay")
            case let other:
                throw SSHBackendConnection.Failure(description: "backend answered a password login with message \(other)")
            }
        }
    }
}
