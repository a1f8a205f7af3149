import CProFTPD
import CShims
import ProxyCore

/// The destination USER both forward strategies share: a destination that
/// cannot be used is refused as upstream does, a usable one is connected and
/// gets the user's USER.
enum ForwardLoginSteps {
    typealias Result = UnsafeMutablePointer<modret_t>?

    /// The USER named no usable destination: the reason in ProxyLog, the
    /// client gets upstream's plain 530.
    static func refuseDestination(_ cmd: CommandRecord, error: Error, proxyUser: String?) -> Result {
        let who = proxyUser.map { " (proxy user '\($0)')" } ?? ""
        ProxyLog.write("forward: client \(ForwardBackend.clientAddress())\(who): \(error)")
        ClientReplies.reply(code: "530", "Login incorrect.")
        return mps_error(cmd.raw)
    }

    /// Connects `destination` (a 530 with the reason when it cannot be
    /// used or reached; the client may try again) and sends it USER `name`.
    static func user(_ name: String, at destination: BackendURL, _ cmd: CommandRecord,
                     session: ProxySession, proxyUser: String?) -> Result {
        do {
            try ForwardBackend.connect(session, to: destination, proxyUser: proxyUser)
        } catch {
            ClientReplies.reply(code: "530", error.reply)
            return mps_error(cmd.raw)
        }
        return BackendLogin().relayUser(cmd, session: session, user: name)
    }
}
