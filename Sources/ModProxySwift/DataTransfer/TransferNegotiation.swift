import CShims
import ProxyCore

extension Transfer {
    /// Phase 1: the command to the backend, and its preliminary (1xx)
    /// reply. Any other reply (e.g. 550 No such file) goes to the client
    /// as it is, and the transfer ends. A translated MLSD sends LIST.
    func negotiate() -> TransferStep<FTPReply> {
        let mark: FTPReply
        do {
            mark = try backend.exchange(translatesListing ? backendListingLine : cmd.wireLine,
                                        deadline: session.replyDeadline)
        } catch {
            resetDataChannels()
            return .done(CommandRouter.backendLost(cmd, session: session, error: error))
        }
        guard mark.code / 100 == 1 else {
            resetDataChannels()
            return .done(ClientReplies.reply(mark) ? mps_error(cmd.raw) : mps_handled(cmd.raw))
        }
        return .proceed(translatesListing ? clientMarkForListing(mark) : mark)
    }
}
