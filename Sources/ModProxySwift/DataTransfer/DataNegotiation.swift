import CProFTPD
import CShims
import ProxyCore

/// PASV, EPSV, PORT, EPRT from the client: set up our frontend side the way
/// the client asked, and the backend side the way ProxyDataTransferPolicy
/// says (by default the client's own method).
enum DataNegotiation {
    typealias Result = UnsafeMutablePointer<modret_t>?

    static func handle(_ cmd: CommandRecord, name: String, session: ProxySession) -> Result {
        guard let backend = session.backend,
              let clientMethod = DataCommand(rawValue: name) else { return nil }
        // After "EPSV ALL" only EPSV is allowed, as core enforces it.
        if clientMethod != .epsv, epsvAllInEffect {
            ClientReplies.reply(code: "500", "Illegal \(name) command, EPSV ALL in effect")
            return mps_error(cmd.raw)
        }
        session.backendData.reset()

        // Frontend first: a bad PORT argument must not reach the backend.
        var frontendReply: (code: String, text: String)
        do {
            switch clientMethod {
            case .pasv, .epsv:
                if clientMethod == .epsv, let arg = cmd.arguments.first, arg != "1", arg != "2" {
                    return epsvWithArgument(cmd, arg: arg)
                }
                frontendReply = try session.frontendData.preparePassive(extended: clientMethod == .epsv)
            case .port, .eprt:
                try session.frontendData.prepareActive(try ActiveAddressCheck.endpoint(clientMethod, argument: cmd.argumentText))
                frontendReply = ("200", "\(name) command successful")
            }
        } catch let refusal as ActiveAddressCheck.Refusal {
            ClientReplies.reply(code: refusal.code, refusal.text)
            return mps_error(cmd.raw)
        } catch let failure as FrontendDataChannel.Failure {
            ClientReplies.reply(code: failure.code, failure.message)
            return mps_error(cmd.raw)
        } catch {
            ClientReplies.reply(code: "425", "Unable to build data connection: \(error)")
            return mps_error(cmd.raw)
        }

        let method = session.options.dataTransferPolicy.backendCommand(clientCommand: clientMethod,
                                                                       backendIsIPv6: backend.address.ip.unmapped.isIPv6)
        do {
            if let refusal = try session.backendData.prepare(method: method, control: backend,
                                                              foreign: session.options.foreignAddressPolicy,
                                                              connectTimeout: session.options.connectTimeout,
                                                              replyDeadline: session.replyDeadline) {
                ProxyLog.write("backend refused \(method.rawValue): \(refusal.lines.last ?? "")")
                session.frontendData.reset()
                ClientReplies.reply(refusal)
                return mps_error(cmd.raw)
            }
        } catch is BackendClosed {
            return CommandRouter.backendLost(cmd, session: session, error: BackendClosed())
        } catch let error as FTPReplyError {
            return CommandRouter.backendLost(cmd, session: session, error: error)
        } catch {
            ProxyLog.write("backend data connection setup (\(method.rawValue)) failed: \(error)")
            session.frontendData.reset()
            ClientReplies.reply(code: "425", "Unable to build data connection")
            return mps_error(cmd.raw)
        }
        ClientReplies.reply(code: frontendReply.code, frontendReply.text)
        return mps_handled(cmd.raw)
    }

    /// The core's flag (the proxy session shadows the name `session` above).
    static var epsvAllInEffect: Bool { session.sf_flags & Int32(SF_EPSV_ALL) != 0 }

    /// "EPSV ALL" and "EPSV <proto>" (RFC 2428).
    private static func epsvWithArgument(_ cmd: CommandRecord, arg: String) -> Result {
        if arg.uppercased() == "ALL" {
            session.sf_flags |= Int32(SF_EPSV_ALL)
            ClientReplies.reply(code: "200", "EPSV ALL command successful")
            return mps_handled(cmd.raw)
        }
        ClientReplies.reply(code: "522", "Network protocol not supported, use (1,2)")
        return mps_error(cmd.raw)
    }
}
