import ProxyCore

/// Shared reverse-proxy state, visible to every session process: per
/// backend connection counts, connect times and failure hold-offs, the
/// round-robin cursor and shuffle cycle, and the sticky maps.
///
/// Everything is keyed by the backend's URL text within a vhost, never by
/// list position: a session's candidate list may be filtered, reordered, or
/// read from a per-user file, and must still find the same backend's state.
/// All methods throw `DatastoreError`; a caller logs it and chooses
/// without shared state.
public protocol ReverseDatastore: AnyObject {
    // MARK: Master side (startup, and again on SIGHUP restart)

    /// Records the vhost and makes sure each configured backend has a row.
    /// State of backends seen before is kept, whatever their order now
    /// (sessions survive a restart; a reordered list keeps its counts).
    func register(vhostID: Int, vhostName: String, backends: [String]) throws

    /// Resets all state unless it was recorded by this same daemon
    /// (`master` identifies the master process: its pid and start time), so
    /// a restart of the daemon starts afresh and a SIGHUP keeps the counts of
    /// sessions still running. Returns whether it reset.
    @discardableResult
    func resetUnlessOwnedBy(master: DaemonIdentity) throws -> Bool

    // MARK: Session side: selection

    /// The recorded state of each candidate, in the order given; a backend
    /// never seen counts as idle, unmeasured and healthy.
    func states(vhostID: Int, candidates: [String]) throws -> [BackendState]

    /// Atomically takes the next backend after the vhost's cursor among the
    /// candidates (skipping those held off at `now` unless all are), moves
    /// the cursor to it and returns its position in `candidates`.
    func claimRoundRobin(vhostID: Int, candidates: [String], now: Int) throws -> Int

    /// Moves the round-robin cursor to `url` (the backend a failover
    /// reached), so the next session goes on after the one actually used.
    func setRoundRobinCursor(vhostID: Int, url: String) throws

    /// Takes each candidate once per cycle in an order chosen by `random(n)`
    /// (expected in 0..<n; other values are folded into range), then starts
    /// a new cycle. Returns the position in `candidates`.
    func claimShuffle(vhostID: Int, candidates: [String], random: (Int) -> Int) throws -> Int

    // MARK: Session side: bookkeeping

    /// conn_count += 1, stores the connect time (milliseconds, >= 0) and
    /// clears any failure hold-off.
    func recordConnected(vhostID: Int, url: String, connectMillis: Int) throws

    /// conn_count -= 1, never below 0.
    func recordDisconnected(vhostID: Int, url: String) throws

    /// Holds the backend off until `until` (Unix time) after a failure.
    func recordFailure(vhostID: Int, url: String, until: Int) throws

    /// Every backend recorded for the vhost, in the order first seen.
    func backends(vhostID: Int) throws -> [BackendState]

    // MARK: Session side: sticky maps (PerUser, PerGroup, PerHost)

    /// The backend URL recorded for `key`, or nil.
    func stickyBackend(policy: StickyPolicy, vhostID: Int, key: String) throws -> String?

    /// Records (or replaces) the backend URL for `key`.
    func setStickyBackend(policy: StickyPolicy, vhostID: Int, key: String, url: String) throws

    func close()
}
