import CProFTPD
import Glibc
import ProxyCore
import ProxyStore

/// `ReverseDatastore` in Redis (`ProxyDatastore Redis <prefix>`), shared by
/// every proxy using the same prefix. Keys: `RedisKeyLayout`.
///
/// Every update several proxies race on is one atomic Redis command: the
/// round-robin and shuffle picks are HINCRBYs of a counter
/// (`SharedCounterPick`), connection counts ZINCRBYs, health and sticky
/// entries HSETs. Nothing is read, changed and written back.
///
/// Connection counts: each proxy (`proxyID`: host name and port) also
/// counts its own sessions in its share set, and keeps an expiring "alive"
/// key fresh (`aliveSeconds`) at its start and at every session's connect
/// and disconnect. A proxy's share is taken back out of the totals when its
/// daemon starts again, or, once its alive key has expired (killed and not
/// back), by the one session a minute that checks the fleet. The other
/// proxies' counts are never touched.
final class RedisReverseDatastore: ReverseDatastore {
    /// A proxy with no sign of life for this long is taken for dead.
    static let aliveSeconds = 3600
    /// How often (at most) one session of the fleet looks for dead proxies.
    static let fleetCheckSeconds = 60

    private let redis: RedisConnection
    private let keys: RedisKeyLayout
    private let proxyID: String
    /// The last round-robin pick of this session, so a failover can move the
    /// shared counter on to the backend actually used.
    private var lastRoundRobin: (vhostID: Int, candidates: [String], pick: Int)?

    init(redis: RedisConnection, keys: RedisKeyLayout, proxyID: String) {
        self.redis = redis
        self.keys = keys
        self.proxyID = proxyID
    }

    func close() { redis.close() }

    // MARK: Master side

    func register(vhostID: Int, vhostName: String, backends urls: [String]) throws {
        try redis.hashSet(keys.vhostNames, String(vhostID), vhostName)
        try noteBackends(vhostID: vhostID, urls)
    }

    @discardableResult
    func resetUnlessOwnedBy(master: DaemonIdentity) throws -> Bool {
        let owner = "\(master.pid) \(master.started)"
        let ownerKey = keys.daemon(proxyID: proxyID)
        try markAlive()
        guard try redis.get(ownerKey) != owner else { return false }
        // This proxy's previous daemon is gone with its sessions.
        try takeBackShare(of: proxyID)
        try redis.set(ownerKey, owner)
        return true
    }

    /// Refreshes this proxy's alive key and lists it in the fleet.
    private func markAlive() throws {
        try redis.set(keys.alive(proxyID: proxyID), String(time(nil)), expires: Self.aliveSeconds)
    }

    /// Takes the sessions a proxy counted back out of the shared totals.
    private func takeBackShare(of proxy: String) throws {
        let share = keys.connectionShare(proxyID: proxy)
        for member in try redis.sortedSetMembers(share) {
            guard let (vhostID, url) = RedisKeyLayout.parseShareMember(member),
                  let counted = try redis.sortedSetScore(share, member) else { continue }
            let sessions = Int(counted.rounded())
            if sessions != 0 {
                try redis.sortedSetAdd(keys.connectionCounts(vhostID: vhostID), url, by: -sessions)
            }
        }
        try redis.remove(share)
    }

    /// Once a minute, fleet-wide: the proxies whose alive key expired lose
    /// their counted sessions (they were killed and have not come back).
    private func repairDeadProxies() throws {
        guard try redis.setIfAbsent(keys.fleetCheck, proxyID, expires: Self.fleetCheckSeconds) else { return }
        for proxy in try redis.setMembers(keys.proxies) where proxy != proxyID {
            guard try redis.get(keys.alive(proxyID: proxy)) == nil else { continue }
            try takeBackShare(of: proxy)
            try redis.command(["SREM", keys.proxies, proxy], reply: Int32(PR_REDIS_REPLY_TYPE_INTEGER))
            ProxyLog.write("datastore: proxy \(proxy) showed no sign of life for \(Self.aliveSeconds)s; its sessions are no longer counted")
        }
    }

    /// Records URLs in the vhost's backend list (their first-seen order).
    private func noteBackends(vhostID: Int, _ urls: [String]) throws {
        try DatastoreArguments.urls(urls, vhostID: vhostID)
        var order = Int(time(nil)) * 1000
        for url in urls {
            try redis.sortedSetSet(keys.backends(vhostID: vhostID), url, score: order, onlyNew: true)
            order += 1
        }
    }

    // MARK: Selection

    func states(vhostID: Int, candidates urls: [String]) throws -> [BackendState] {
        try urls.map { url in
            guard !url.isEmpty else { return BackendState(url: url) }
            let sessions = try redis.sortedSetScore(keys.connectionCounts(vhostID: vhostID), url) ?? 0
            let millis = try redis.sortedSetScore(keys.responseTimes(vhostID: vhostID), url)
            let until = try redis.hashGet(keys.health(vhostID: vhostID), url).flatMap { Int($0) } ?? 0
            // A total may dip below 0 when a session of a restarted proxy
            // ends after its share was taken back out.
            return BackendState(url: url, connCount: max(Int(sessions.rounded()), 0),
                                connectMillis: millis.map { max(Int($0.rounded()), 0) }, unhealthyUntil: until)
        }
    }

    func claimRoundRobin(vhostID: Int, candidates urls: [String], now: Int) throws -> Int {
        try DatastoreArguments.candidates(urls, vhostID: vhostID, "round robin")
        let counter = try bumpCounter(RedisKeyLayout.roundRobinField, vhostID: vhostID)
        let start = SharedCounterPick.roundRobinStart(counter: counter, count: urls.count)
        let states = try self.states(vhostID: vhostID, candidates: urls)
        let pick = FailoverOrder.positions(count: urls.count, start: start,
                                           healthy: { states[$0].isHealthy(at: now) }, attempts: 1).first ?? start
        try moveCounter(vhostID: vhostID, from: start, to: pick, count: urls.count)
        lastRoundRobin = (vhostID, urls, pick)
        return pick
    }

    func setRoundRobinCursor(vhostID: Int, url: String) throws {
        try DatastoreArguments.urls([url], vhostID: vhostID)
        guard let last = lastRoundRobin, last.vhostID == vhostID,
              let used = last.candidates.lastIndex(of: url) else { return }
        try moveCounter(vhostID: vhostID, from: last.pick, to: used, count: last.candidates.count)
        lastRoundRobin = (vhostID, last.candidates, used)
    }

    /// INCRBY the skipped positions, so the next pick follows `to`.
    private func moveCounter(vhostID: Int, from start: Int, to used: Int, count: Int) throws {
        let skipped = SharedCounterPick.advance(from: start, to: used, count: count)
        if skipped > 0 {
            _ = try bumpCounter(RedisKeyLayout.roundRobinField, vhostID: vhostID, by: skipped)
        }
    }

    /// The shared counter's new value (a hostile negative one wraps, and
    /// SharedCounterPick folds it into range).
    private func bumpCounter(_ field: String, vhostID: Int, by amount: Int = 1) throws -> UInt64 {
        UInt64(bitPattern: try redis.hashIncrement(keys.counters(vhostID: vhostID), field, by: Int32(amount)))
    }

    func claimShuffle(vhostID: Int, candidates urls: [String], random: (Int) -> Int) throws -> Int {
        try DatastoreArguments.candidates(urls, vhostID: vhostID, "shuffle")
        // Every proxy must draw from the same permutation: it comes from the
        // shared counter and the prefix, not from this process's `random`.
        let counter = try bumpCounter(RedisKeyLayout.shuffleField, vhostID: vhostID)
        return SharedCounterPick.shuffleDraw(counter: counter, count: urls.count,
                                             salt: SharedCounterPick.stableHash(keys.prefix + "#\(vhostID)"))
    }

    // MARK: Bookkeeping

    func recordConnected(vhostID: Int, url: String, connectMillis: Int) throws {
        try DatastoreArguments.connectMillis(connectMillis, url: url, vhostID: vhostID)
        try noteBackends(vhostID: vhostID, [url])
        try redis.sortedSetAdd(keys.connectionCounts(vhostID: vhostID), url, by: 1)
        try redis.sortedSetAdd(keys.connectionShare(proxyID: proxyID),
                               RedisKeyLayout.shareMember(vhostID: vhostID, url: url), by: 1)
        try redis.sortedSetSet(keys.responseTimes(vhostID: vhostID), url, score: connectMillis)
        try redis.hashDelete(keys.health(vhostID: vhostID), url)
        try redis.command(["SADD", keys.proxies, proxyID], reply: Int32(PR_REDIS_REPLY_TYPE_INTEGER))
        try markAlive()
        try repairDeadProxies()
    }

    func recordDisconnected(vhostID: Int, url: String) throws {
        try DatastoreArguments.urls([url], vhostID: vhostID)
        try redis.sortedSetAdd(keys.connectionCounts(vhostID: vhostID), url, by: -1)
        try redis.sortedSetAdd(keys.connectionShare(proxyID: proxyID),
                               RedisKeyLayout.shareMember(vhostID: vhostID, url: url), by: -1)
        try markAlive()
    }

    func recordFailure(vhostID: Int, url: String, until: Int) throws {
        try noteBackends(vhostID: vhostID, [url])
        try redis.hashSet(keys.health(vhostID: vhostID), url, String(until))
    }

    func backends(vhostID: Int) throws -> [BackendState] {
        try states(vhostID: vhostID, candidates: redis.sortedSetMembers(keys.backends(vhostID: vhostID)))
    }

    // MARK: Sticky maps

    func stickyBackend(policy: StickyPolicy, vhostID: Int, key: String) throws -> String? {
        try DatastoreArguments.stickyKey(policy, vhostID: vhostID, key)
        return try redis.hashGet(keys.sticky(policy, vhostID: vhostID), key)
    }

    func setStickyBackend(policy: StickyPolicy, vhostID: Int, key: String, url: String) throws {
        try DatastoreArguments.stickyKey(policy, vhostID: vhostID, key)
        try DatastoreArguments.stickyURL(policy, vhostID: vhostID, key: key, url)
        try redis.hashSet(keys.sticky(policy, vhostID: vhostID), key, url)
    }
}
