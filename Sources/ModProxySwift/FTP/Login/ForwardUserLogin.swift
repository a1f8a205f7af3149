import CProFTPD
import CShims
import ProxyCore

/// ProxyForwardMethod user@host and user@sni: no login at the proxy; the
/// client names the destination in USER (`user@host[:port]`) or in the SNI
/// of its TLS handshake with the proxy (mod_tls's `mod_tls.sni` note), and
/// the destination authenticates the user. A refused or unreachable
/// destination gets a 530 and the client may send USER again.
struct ForwardUserLogin: LoginStrategy {
    typealias Result = UnsafeMutablePointer<modret_t>?
    let destinationFromSNI: Bool

    func user(_ cmd: CommandRecord, session: ProxySession) -> Result {
        if let repeated = BackendLogin.userAfterLogin(cmd, session: session) { return repeated }
        let argument = cmd.argumentText
        LoginAttempts.rememberUser(argument)
        let name: String
        let destination: BackendURL
        do {
            (name, destination) = try destinationFromSNI ? fromSNI(argument) : fromArgument(argument)
        } catch {
            ProxyLog.write("forward: client \(ForwardBackend.clientAddress()): \(error)")
            ClientReplies.reply(code: "530", "Login incorrect.")
            return mps_error(cmd.raw)
        }
        do {
            try ForwardBackend.connect(session, to: destination, proxyUser: nil)
        } catch {
            ClientReplies.reply(code: "530", error.reply)
            return mps_error(cmd.raw)
        }
        return BackendLogin().relayUser(cmd, session: session, user: name)
    }

    func pass(_ cmd: CommandRecord, session: ProxySession) -> Result {
        BackendLogin().pass(cmd, session: session)
    }

    private func fromArgument(_ argument: String) throws -> (String, BackendURL) {
        let parsed = try ForwardDestination(parsingUserArgument: argument)
        return (parsed.name, parsed.url)
    }

    /// user@sni: the whole USER argument is the name; the destination is the
    /// SNI (with ":port" when the client put one there), port 21 otherwise.
    private func fromSNI(_ argument: String) throws -> (String, BackendURL) {
        guard ClientTLS.isActive else {
            throw ForwardLoginError("unable to use ProxyForwardMethod 'user@sni' due to lack of TLS")
        }
        guard let sni = SessionNotes.get("mod_tls.sni"), !sni.isEmpty else {
            throw ForwardLoginError("unable to use ProxyForwardMethod 'user@sni' due to missing TLS SNI")
        }
        let parsed = try ForwardDestination(parsingUserArgument: "\(argument)@\(sni)")
        return (argument, parsed.url)
    }
}

struct ForwardLoginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
