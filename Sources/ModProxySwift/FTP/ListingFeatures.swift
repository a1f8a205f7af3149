import CProFTPD
import CShims
import ProxyCore

/// FEAT and OPTS MLST under ProxyDirectoryListPolicy LIST: MLSD is served
/// by the proxy from the backend's LIST, so the MLST facts advertised and
/// selected are the proxy's (those a listing can give), not the backend's
/// nor mod_facts' (which would promise `unique`).
enum ListingFeatures {
    typealias Result = UnsafeMutablePointer<modret_t>?

    /// FEAT: the backend's features (ProxyOptions ShowFeatures) or the
    /// proxy's own, with our MLST line in place of any other.
    static func feat(_ cmd: CommandRecord, session: ProxySession) -> Result {
        var features: [String]
        if session.options.showFeatures, let backend = session.backend {
            let reply: FTPReply
            do {
                reply = try backend.exchange(cmd.wireLine, deadline: session.replyDeadline)
            } catch {
                return CommandRouter.backendLost(cmd, session: session, error: error)
            }
            guard reply.code == 211, reply.isMultiline else {
                // No feature list from the backend: ours alone.
                return send(features: [MLSTFact.featureLine(selected: session.mlstFacts)], cmd)
            }
            features = Array(reply.messageLines.dropFirst().dropLast())
                .map { $0.first == " " ? String($0.dropFirst()) : $0 }
        } else {
            features = []
            var next = pr_feat_get()
            while let feature = next {
                features.append(String(cString: feature))
                next = pr_feat_get_next()
            }
        }
        features.removeAll { isMLST($0) }
        features.append(MLSTFact.featureLine(selected: session.mlstFacts))
        return send(features: features.sorted(), cmd)
    }

    /// OPTS MLST <facts>: answered here (the backend may know no MLST).
    static func optsMLST(_ cmd: CommandRecord, session: ProxySession) -> Result {
        let facts = cmd.arguments.count >= 2 ? cmd.arguments[1] : ""
        let (chosen, text) = MLSTFact.selection(fromOptions: facts)
        session.mlstFacts = chosen
        ClientReplies.reply(code: "200", text)
        return mps_handled(cmd.raw)
    }

    /// "OPTS MLST ..." (the command name is OPTS).
    static func isOptsMLST(_ cmd: CommandRecord) -> Bool {
        cmd.arguments.first.map { $0.uppercased() == "MLST" } ?? false
    }

    private static func isMLST(_ feature: String) -> Bool {
        let word = feature.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        return word.uppercased() == "MLST"
    }

    private static func send(features: [String], _ cmd: CommandRecord) -> Result {
        guard let reply = try? FTPReply(code: 211, messages: ["Features:"] + features.map { " " + $0 } + ["End"]) else {
            ClientReplies.reply(code: "211", "End")
            return mps_handled(cmd.raw)
        }
        ClientReplies.reply(reply)
        return mps_handled(cmd.raw)
    }
}
