/// Shared reverse-proxy state: backend lists, connection counts, selection
/// cursors and sticky maps, visible to every session process.
///
/// Indexes are positions in a vhost's configured backend list. All methods
/// throw `DatastoreError`; a caller that gets one can log it and fall back
/// to in-memory selection.
public protocol ReverseDatastore: AnyObject {
    // MARK: Master side (startup, and again on SIGHUP restart)

    /// Records the vhost and its backend list. When the list differs from
    /// the recorded one, that vhost's counters, cursors and sticky entries
    /// are reset; an unchanged list keeps them (sessions survive a restart).
    /// Returns whether the list changed.
    @discardableResult
    func prepare(vhostID: Int, vhostName: String, backends: [String]) throws -> Bool

    /// Forgets all state for all vhosts (cold start: no session is alive, so
    /// recorded connection counts are stale).
    func resetAll() throws

    // MARK: Session side: selection

    /// Atomically advances the vhost's cursor and returns the new index:
    /// 0, 1, ..., count-1, 0, ... across all sessions.
    func nextRoundRobin(vhostID: Int, count: Int) throws -> Int

    /// Returns each index in 0..<count once per cycle, in an order chosen by
    /// `random(n)` (expected in 0..<n; other values are folded into range),
    /// then starts a new cycle.
    func nextShuffle(vhostID: Int, count: Int, random: (Int) -> Int) throws -> Int

    /// The candidate with the fewest connections (ties: lowest index).
    /// Healthy candidates are preferred over unhealthy ones.
    func leastConnections(vhostID: Int, candidates: [Int]) throws -> Int

    /// The candidate with the lowest connCount x connectMillis; unmeasured
    /// backends first (so they get measured), ties broken by lower connect
    /// time, then fewer connections, then lower index. Healthy preferred.
    func leastResponseTime(vhostID: Int, candidates: [Int]) throws -> Int

    // MARK: Session side: bookkeeping

    /// conn_count += 1 and stores the connect time (milliseconds, >= 0).
    func recordConnected(vhostID: Int, index: Int, connectMillis: Int) throws

    /// conn_count -= 1, never below 0.
    func recordDisconnected(vhostID: Int, index: Int) throws

    /// Marks a backend healthy or not, for every session to see.
    func setHealthy(vhostID: Int, index: Int, healthy: Bool) throws

    /// The vhost's backends in index order.
    func backends(vhostID: Int) throws -> [ReverseBackendState]

    // MARK: Session side: sticky maps (PerUser, PerGroup, PerHost)

    /// The backend URL recorded for `key`, or nil.
    func stickyBackend(policy: StickyPolicy, vhostID: Int, key: String) throws -> String?

    /// Records (or replaces) the backend URL for `key`.
    func setStickyBackend(policy: StickyPolicy, vhostID: Int, key: String, url: String) throws

    func close()
}
