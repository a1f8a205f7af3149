import ProxySSH

/// The backend's user authentication for what the client gave mod_sftp
/// (a password, or answers to the backend's keyboard-interactive prompts):
/// the backend's answer decides the login. Messages: `UserAuthMessages`.
struct SSHBackendLogin {
    let connection: SSHBackendConnection

    enum Outcome: Equatable {
        case accepted
        /// The backend refused; why (the methods it would take instead).
        case refused(String)
    }

    typealias Prompts = UserAuthMessages.InfoRequest

    /// SERVICE_REQUEST "ssh-userauth" once, before the first attempt.
    func requestService(deadline: Deadline) throws {
        try connection.send(UserAuthMessages.serviceRequest(), deadline: deadline)
        let reply = try UserAuthMessages.decode(try connection.nextPayload(deadline: deadline), keyboardInteractive: false)
        guard reply == .serviceAccept else {
            throw SSHBackendConnection.Failure(description: "backend answered the userauth service request with \(reply)")
        }
    }

    func password(user: String, password: String, deadline: Deadline) throws -> Outcome {
        try connection.send(UserAuthMessages.passwordRequest(user: user, password: password), deadline: deadline)
        return try verdict(of: "a password login", deadline: deadline)
    }

    /// The backend's answer to a password request.
    private func verdict(of what: String, deadline: Deadline) throws -> Outcome {
        while true {
            switch try UserAuthMessages.decode(try connection.nextPayload(deadline: deadline), keyboardInteractive: false) {
            case .success:
                return .accepted
            case .failure(let methods):
                return .refused(methods.joined(separator: ","))
            case .banner:
                continue  // mod_sftp shows its own (SFTPDisplayBanner)
            case .passwordChangeRequest:
                return .refused("the backend asks for a password change, which the proxy cannot relay")
            case let other:
                throw SSHBackendConnection.Failure(description: "backend answered \(what) with \(other)")
            }
        }
    }

    /// Hostbased with the proxy's keys (ProxySFTPHostKey, ProxySSH's
    /// `HostbasedLogin`: each key and signature algorithm in turn), for a
    /// client mod_sftp has already verified.
    func hostbased(user: String, keys: [SSHSigningKey], clientHost: String, deadline: Deadline) throws -> Outcome {
        guard let sessionID = connection.transport.sessionID else {
            throw SSHBackendConnection.Failure(description: "no backend session id for a hostbased signature")
        }
        var request = HostbasedRequest(user: user, clientHost: clientHost, clientUser: user)
        if !connection.transport.serverFeatures.contains(.serviceInHostbasedSignature) {
            request.signedService = "ssh-userauth"  // old SSH Communications servers check it so
        }
        let login = HostbasedLogin(request: request,
                                   keys: keys, sessionID: sessionID,
                                   serverSignatureAlgorithms: connection.transport.serverExtInfo?.serverSignatureAlgorithms)
        var step = login.start()
        while true {
            switch step {
            case .succeeded:
                return .accepted
            case .refused(let why):
                return .refused(why)
            case .send(let payload):
                try connection.send(payload, deadline: deadline)
                var next: HostbasedLogin.Step?
                while next == nil {
                    next = try login.handle(try connection.nextPayload(deadline: deadline))
                }
                step = next!
            }
        }
    }

    /// Keyboard-interactive: each INFO_REQUEST goes to `answer` (the
    /// client, through mod_sftp); nil answers end the attempt as refused.
    /// Each wait for the backend gets `replySeconds` anew: the client's
    /// typing time is mod_sftp's to bound.
    func keyboardInteractive(user: String, replySeconds: Int, answer: (Prompts) -> [String]?) throws -> Outcome {
        try connection.send(UserAuthMessages.keyboardInteractiveRequest(user: user), deadline: .after(seconds: replySeconds))
        while true {
            let payload = try connection.nextPayload(deadline: .after(seconds: replySeconds))
            switch try UserAuthMessages.decode(payload, keyboardInteractive: true) {
            case .success:
                return .accepted
            case .failure(let methods):
                return .refused(methods.joined(separator: ","))
            case .banner:
                continue
            case .infoRequest(let round):
                // A round without prompts (OpenSSH's PAM ends with one) is
                // answered here: mod_sftp cannot send an empty challenge.
                guard let answers = round.prompts.isEmpty ? [] : answer(round) else {
                    return .refused("the client gave no answers")
                }
                try connection.send(UserAuthMessages.infoResponse(answers), deadline: .after(seconds: replySeconds))
            case let other:
                throw SSHBackendConnection.Failure(description: "backend answered a keyboard-interactive login with \(other)")
            }
        }
    }
}
