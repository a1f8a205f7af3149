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
