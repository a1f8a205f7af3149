import ProxyCore
import ProxyStore

/// A backend picked for this session: its index in the configured list and URL.
struct SelectedBackend {
    let index: Int
    let url: BackendURL
    /// Why it was picked, for the log ("RoundRobin", "PerUser sticky", ...).
    let reason: String
}

/// Orders the configured backends for one session according to
/// ProxyReverseConnectPolicy, using the datastore for shared state
/// (round-robin position, connection counts, sticky maps). Without a
/// datastore every balancing policy degrades to a random start.
struct BackendSelector {
    let policy: ReverseConnectPolicy
    let backends: [BackendURL]
    let store: ReverseDatastore?
    let vhostID: Int

    /// Up to `attempts` backends to try in order (failover goes on to the next).
    func candidates(attempts: Int, stickyKey: String?) -> [SelectedBackend] {
        let count = backends.count
        guard count > 0, attempts > 0 else { return [] }
        let all = Array(0..<count)
        let anyIndex = Int.random(in: 0..<count)
        var first: Int
        var reason = policy.rawValue
        switch policy {
        case .roundRobin:
            first = fromStore { try $0.nextRoundRobin(vhostID: vhostID, count: count) } ?? anyIndex
        case .random:
            first = anyIndex
        case .shuffle:
            first = fromStore { try $0.nextShuffle(vhostID: vhostID, count: count, random: { Int.random(in: 0..<$0) }) }
                ?? anyIndex
        case .leastConns:
            first = fromStore { try $0.leastConnections(vhostID: vhostID, candidates: all) } ?? 0
        case .leastResponseTime:
            first = fromStore { try $0.leastResponseTime(vhostID: vhostID, candidates: all) } ?? 0
        case .perUser, .perGroup, .perHost:
            first = fromStore { try $0.nextRoundRobin(vhostID: vhostID, count: count) } ?? anyIndex
            if let key = stickyKey, let sticky = stickyPolicy,
               let url = fromStore({ try $0.stickyBackend(policy: sticky, vhostID: vhostID, key: key) }) ?? nil,
               let index = backends.firstIndex(where: { $0.description == url }) {
                first = index
                reason = "\(policy.rawValue) sticky for '\(key)'"
            }
        }
        first = ((first % count) + count) % count
        return (0..<attempts).map { i in
            let index = (first + i) % count
            return SelectedBackend(index: index, url: backends[index], reason: i == 0 ? reason : "failover")
        }
    }

    /// A datastore answer, or nil (logged) when there is no datastore or it
    /// fails: selection then falls back to a random start.
    private func fromStore<T>(_ query: (ReverseDatastore) throws -> T) -> T? {
        guard let store else { return nil }
        do {
            return try query(store)
        } catch {
            ProxyLog.write("datastore query failed, choosing without it: \(error)")
            return nil
        }
    }

    var stickyPolicy: StickyPolicy? {
        switch policy {
        case .perUser: return .user
        case .perGroup: return .group
        case .perHost: return .host
        default: return nil
        }
    }
}
