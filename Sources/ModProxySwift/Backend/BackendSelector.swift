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
        var first: Int
        var reason = policy.rawValue
        switch policy {
        case .roundRobin:
            first = (try? store?.nextRoundRobin(vhostID: vhostID, count: count)) ?? nil ?? Int.random(in: 0..<count)
        case .random:
            first = Int.random(in: 0..<count)
        case .shuffle:
            first = (try? store?.nextShuffle(vhostID: vhostID, count: count, random: { Int.random(in: 0..<$0) })) ?? nil
                ?? Int.random(in: 0..<count)
        case .leastConns:
            first = (try? store?.leastConnections(vhostID: vhostID, candidates: Array(0..<count))) ?? nil ?? 0
        case .leastResponseTime:
            first = (try? store?.leastResponseTime(vhostID: vhostID, candidates: Array(0..<count))) ?? nil ?? 0
        case .perUser, .perGroup, .perHost:
            first = (try? store?.nextRoundRobin(vhostID: vhostID, count: count)) ?? nil ?? Int.random(in: 0..<count)
            if let key = stickyKey, let sticky = stickyPolicy,
               let url = (try? store?.stickyBackend(policy: sticky, vhostID: vhostID, key: key)) ?? nil,
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

    var stickyPolicy: StickyPolicy? {
        switch policy {
        case .perUser: return .user
        case .perGroup: return .group
        case .perHost: return .host
        default: return nil
        }
    }
}
