import CShims

/// How the bytes of a transfer ended.
struct RelayedTransfer {
    let outcome: DataRelay.Outcome
    /// The client sent ABOR.
    let aborted: Bool
    /// Why the transfer failed, when the outcome alone would say it wrongly
    /// (e.g. a translated listing that exceeded its bound).
    var failure: String? = nil

    /// CRLF pairs seen in an ASCII transfer (0 in binary).
    var lineEnds: Int64 = 0

    /// The size a plain server logs: file bytes (an ASCII line ends in LF).
    var fileBytes: Int64 { bytes - lineEnds }

    var bytes: Int64 {
        switch outcome {
        case .completed(let n), .controlInput(let n), .stalled(let n),
             .sourceFailed(let n, _), .destinationFailed(let n, _):
            return n
        }
    }
}

extension Transfer {
    /// Phase 3: the bytes, from source to destination; commands the client
    /// sends meanwhile are answered (STAT, NOOP) or end the relay (ABOR).
    /// A translated directory list (ProxyDirectoryListPolicy LIST) goes
    /// through its transform instead (TransferListingRelay).
    func relay(_ connections: TransferConnections) -> RelayedTransfer {
        if translatesListing { return relayTranslatedListing(connections) }
        let frontend = RelayEndpoint.frontend(connections.frontend)
        let backendEnd = RelayEndpoint.backend(connections.backend)
        return runWithClientControl(source: direction == .download ? backendEnd : frontend,
                                    destination: direction == .download ? frontend : backendEnd)
    }

    /// One DataRelay run to its end, with the client's control commands
    /// answered in between.
    func runWithClientControl(source: RelayEndpoint, destination: RelayEndpoint) -> RelayedTransfer {
        let relay = DataRelay(source: source, destination: destination,
                              controlFD: mps_netio_fd(session_control_instream()),
                              stallSeconds: session.options.stallTimeout,
                              countLineEnds: session.asciiType && ["RETR", "STOR", "STOU", "APPE"].contains(name),
                              throttle: TransferRateConfig.throttle(for: name),
                              onProgress: { resetIdleTimers() })
        var outcome = relay.run()
        while case .controlInput(let soFar) = outcome {
            switch ControlDuringTransfer.handle(session: session, bytesSoFar: soFar) {
            case .continueTransfer:
                outcome = relay.run()
            case .waitForMore:
                relay.pauseControl(milliseconds: 200)
                outcome = relay.run()
            case .abort:
                return RelayedTransfer(outcome: .completed(bytes: soFar), aborted: true, lineEnds: relay.lineEnds.pairs)
            }
        }
        return RelayedTransfer(outcome: outcome, aborted: false, lineEnds: relay.lineEnds.pairs)
    }
}
