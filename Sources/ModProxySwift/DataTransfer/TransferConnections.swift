import CProFTPD
import CShims
import ProxyCore

/// Both data connections of a transfer, open.
struct TransferConnections {
    let backend: ByteTransport
    let frontend: UnsafeMutablePointer<conn_t>
}

extension Transfer {
    /// Phase 2: the backend's data connection first (it is already on its
    /// way after the 1xx), then the 1xx to the client and the client's.
    func openConnections(mark: FTPReply) -> TransferStep<TransferConnections> {
        let backendData: ByteTransport
        do {
            let socket = try session.backendData.open(expectedPeer: backend.address,
                                                      deadline: .after(seconds: session.options.connectTimeout))
            if let tls = session.backendTLS, tls.protectsData {
                // After the 1xx only: an error reply never meets a handshake.
                backendData = try tls.protect(socket, deadline: .after(seconds: session.options.tls.handshakeTimeout.seconds))
            } else {
                backendData = socket
            }
        } catch {
            return .done(dataConnectionFailed(side: "backend", error: error))
        }
        ClientReplies.sendNow(mark)
        do {
            let frontend = try session.frontendData.open(acceptSeconds: session.options.frontendConnectTimeout,
                                                         connectSeconds: session.options.connectTimeout)
            return .proceed(TransferConnections(backend: backendData, frontend: frontend))
        } catch {
            backendData.close()
            return .done(dataConnectionFailed(side: "client", error: error))
        }
    }

    /// A data connection could not be opened after the backend's 1xx mark:
    /// 425 to the client; the backend's final reply for the command is read
    /// (or owed) so replies stay in step.
    private func dataConnectionFailed(side: String, error: Error) -> Transfer.Result {
        ProxyLog.write("\(cmd.name): \(side) data connection failed: \(error)")
        resetDataChannels()
        if (try? backend.readReply(deadline: .after(seconds: session.options.lingerTimeout))) == nil {
            backend.ledger.owe()
        }
        ClientReplies.reply(code: "425", "Unable to build data connection")
        return mps_error(cmd.raw)
    }
}
