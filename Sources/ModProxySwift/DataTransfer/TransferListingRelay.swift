import Glibc
import ProxyCore

/// ProxyDirectoryListPolicy LIST: the client asked for MLSD, the backend
/// was sent LIST. The whole listing is read (bounded), translated to MLSD
/// lines, then written to the client, each step through DataRelay, so
/// ABOR, STAT and the stall limit work as in any transfer, and the client
/// side goes through NetIO (mod_tls).
extension Transfer {
    /// This transfer is an MLSD served from a backend LIST.
    var translatesListing: Bool { name == "MLSD" && session.options.translatesDirectoryLists }

    /// The command the backend is sent for a translated MLSD: a long
    /// listing with hidden entries (as MLSD shows them), for the same path.
    var backendListingLine: String {
        let path = cmd.argumentText
        return path.isEmpty ? "LIST -al" : "LIST -al \(path)"
    }

    /// The backend's 1xx as a plain ProFTPD words it for MLSD.
    func clientMarkForListing(_ mark: FTPReply) -> FTPReply {
        guard mark.code == 150, let ours = try? FTPReply(code: 150, message: "Opening ASCII mode data connection for MLSD") else {
            return mark
        }
        return ours
    }

    func relayTranslatedListing(_ connections: TransferConnections) -> RelayedTransfer {
        let limit = DirectoryListTranslator.maximumListingBytes
        let collector = ListingCollector(limit: limit)
        let read = runWithClientControl(source: RelayEndpoint.backend(connections.backend),
                                        destination: .transport(collector))
        if read.aborted { return read }
        if collector.overflowed {
            ProxyLog.write("\(name): the backend's LIST output exceeds \(limit) bytes; refusing to translate it")
            return RelayedTransfer(outcome: read.outcome, aborted: false,
                                   failure: "backend directory listing larger than \(limit >> 20) MiB")
        }
        guard case .completed = read.outcome else { return read }

        let translator = DirectoryListTranslator(writer: MLSDLineWriter(facts: session.mlstFacts,
                                                                        useSlink: session.options.directoryListUseSlink),
                                                 now: Int64(time(nil)))
        let result = translator.translate(collector.bytes)
        for problem in result.problems {
            ProxyLog.write("\(name) '\(cmd.argumentText)': skipped an unparseable line of the backend's LIST output: \(problem)")
        }
        if result.skipped > result.problems.count {
            ProxyLog.write("\(name) '\(cmd.argumentText)': skipped \(result.skipped - result.problems.count) more unparseable lines")
        }
        ProxyLog.write("\(name) '\(cmd.argumentText)': \(result.entries) entries translated from \(collector.bytes.count) bytes of LIST output")
        return runWithClientControl(source: .transport(ListingSource(result.output)),
                                    destination: RelayEndpoint.frontend(connections.frontend))
    }
}
