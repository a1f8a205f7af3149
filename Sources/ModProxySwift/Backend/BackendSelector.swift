import Glibc
import ProxyCore
import ProxyStore

/// A backend picked for this session, and why (for the log).
struct SelectedBackend {
    /// The configured URL: the key of the backend's state in the datastore.
    let url: BackendURL
    /// "RoundRobin", "PerUser sticky for 'alice'", "failover", ...
    let reason: String
    /// What was connected to, when `url` is a DNS-discovered one (an SRV
    /// target or a TXT URL); nil otherwise.
    var endpoint: BackendURL? = nil

    /// The URL the session talks to (address, TLS, credentials).
    var connectedURL: BackendURL { endpoint ?? url }
}

/// Orders a session's candidates according to ProxyReverseConnectPolicy,
/// with the shared state in the datastore (round-robin cursor, shuffle
/// cycle, connection counts, failure hold-offs, sticky maps), all keyed by
/// backend URL. Without a datastore every policy degrades to a random start.
struct BackendSelector {
    let policy: ReverseConnectPolicy
    let backends: [BackendURL]
    let datastore: SessionDatastore

    struct Plan {
        /// The backends to try, in order (at most ProxyRetryCount).
        var order: [SelectedBackend]
        /// Whether the pick came from the round-robin cursor, which must
        /// then follow a failover to the backend actually used.
        var movesCursor: Bool
    }

    func plan(attempts: Int, stickyKey: String?, now: Int = Int(time(nil))) -> Plan {
        let count = backends.count
        guard count > 0, attempts > 0 else { return Plan(order: [], movesCursor: false) }
        let keys = backends.map(\.description)
        let recorded = datastore.read("reading backend states") { try $0.states(vhostID: $1, candidates: keys) }
        let states = recorded ?? keys.map { BackendState(url: $0) }
        // Unknown counts would all read 0 and send every session to the first.
        let ranked = { (rank: ([BackendState], Int) -> Int?) -> Int in
            recorded == nil ? Int.random(in: 0..<count) : rank(states, now) ?? 0
        }
        var reason = policy.rawValue
        var pinned = false
        var movesCursor = false
        let roundRobin = { () -> Int in
            movesCursor = true
            return datastore.read("advancing the round-robin cursor") {
                try $0.claimRoundRobin(vhostID: $1, candidates: keys, now: now)
            } ?? Int.random(in: 0..<count)
        }
        let start: Int
        switch policy {
        case .roundRobin:
            start = roundRobin()
        case .random:
            start = Int.random(in: 0..<count)
        case .shuffle:
            start = datastore.read("drawing from the shuffle cycle") {
                try $0.claimShuffle(vhostID: $1, candidates: keys, random: { Int.random(in: 0..<$0) })
            } ?? Int.random(in: 0..<count)
        case .leastConns:
            start = ranked(BackendRanking.leastConnections)
        case .leastResponseTime:
            start = ranked(BackendRanking.leastResponseTime)
        case .perUser, .perGroup, .perHost:
            if let key = stickyKey, let sticky = policy.stickyPolicy,
               let url = datastore.read("reading the sticky backend", {
                   try $0.stickyBackend(policy: sticky, vhostID: $1, key: key)
               }) ?? nil,
               let position = keys.firstIndex(of: url) {
                start = position
                pinned = true
                reason = "\(policy.rawValue) sticky for '\(key)'"
            } else {
                start = roundRobin()
            }
        }
        let positions = FailoverOrder.positions(count: count, start: start,
                                                healthy: { states[$0].isHealthy(at: now) },
                                                pinned: pinned, attempts: attempts)
        let order = positions.enumerated().map { attempt, position in
            SelectedBackend(url: backends[position], reason: attempt == 0 ? reason : "failover")
        }
        return Plan(order: order, movesCursor: movesCursor)
    }
}

extension ReverseConnectPolicy {
    /// The sticky map a policy keys on, if it is a sticky one.
    var stickyPolicy: StickyPolicy? {
        switch self {
        case .perUser: return .user
        case .perGroup: return .group
        case .perHost: return .host
        default: return nil
        }
    }
}
