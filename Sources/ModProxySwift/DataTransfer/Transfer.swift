import CProFTPD
import CShims
import Glibc
import ProxyCore

/// One proxied transfer (RETR, STOR, STOU, APPE, LIST, NLST, MLSD) and what
/// its phases share. The phases, one file each:
/// 1. negotiate (TransferNegotiation): the command and the backend's 1xx;
/// 2. open (TransferConnections): both data connections;
/// 3. relay (TransferRelay): the bytes, with the client's commands
///    meanwhile (ABOR); a transform of the bytes (LIST to MLSD) belongs
///    between the two endpoints here;
/// 4. finish (TransferCompletion): close in order, the final reply.
/// Replies the backend still owes when a phase gives up waiting go to its
/// control channel's ReplyLedger.
struct Transfer {
    typealias Result = UnsafeMutablePointer<modret_t>?

    enum Direction { case download, upload }

    let cmd: CommandRecord
    let name: String
    let session: ProxySession
    let backend: BackendControlChannel
    let direction: Direction
    let log: TransferLogContext
    let started = Deadline.now()

    init(cmd: CommandRecord, name: String, session: ProxySession, backend: BackendControlChannel) {
        self.cmd = cmd
        self.name = name
        self.session = session
        self.backend = backend
        direction = ["STOR", "STOU", "APPE"].contains(name) ? .upload : .download
        log = TransferLogContext(command: name, path: cmd.argumentText, direction: direction)
    }

    /// Which side a data connection failure happened on, for messages.
    func side(ofSource isSource: Bool) -> String {
        (direction == .download) == isSource ? "backend" : "client"
    }

    /// Both data sides forgotten (after a refusal or a failure).
    func resetDataChannels() {
        session.frontendData.reset()
        session.backendData.reset()
    }
}

/// The command handler: runs the phases in order; a phase that ends the
/// transfer early answers the client itself.
enum TransferHandler {
    static func handle(_ cmd: CommandRecord, name: String, session: ProxySession) -> Transfer.Result {
        guard let backend = session.backend else { return nil }
        guard session.frontendData.isPrepared, session.backendData.isPrepared else {
            ClientReplies.reply(code: "425", "Unable to build data connection: use PASV, EPSV, PORT or EPRT first")
            return mps_error(cmd.raw)
        }
        let transfer = Transfer(cmd: cmd, name: name, session: session, backend: backend)
        transfer.log.begin(cmd, session: session)
        let mark: FTPReply
        switch transfer.negotiate() {
        case .proceed(let reply): mark = reply
        case .done(let result): return result
        }
        let connections: TransferConnections
        switch transfer.openConnections(mark: mark) {
        case .proceed(let opened): connections = opened
        case .done(let result): return result
        }
        let relayed = transfer.relay(connections)
        return transfer.finish(relayed, connections: connections)
    }
}

/// A phase either hands its result to the next phase or ends the command.
enum TransferStep<Value> {
    case proceed(Value)
    case done(Transfer.Result)
}

/// The client's control input stream.
func session_control_instream() -> UnsafeMutablePointer<pr_netio_stream_t>? {
    session.c?.pointee.instrm
}

/// Keeps ProFTPD's idle and no-transfer timers from firing during a transfer.
func resetIdleTimers() {
    _ = pr_timer_reset(PR_TIMER_IDLE, ANY_MODULE)
    _ = pr_timer_reset(PR_TIMER_NOXFER, ANY_MODULE)
}
