/// The ordering rules behind LeastConns and LeastResponseTime, as pure
/// functions over the recorded states of a session's candidates, given in
/// candidate-list order (ties go to the earlier candidate).
public enum BackendRanking {
    /// The position of the candidate with the fewest connections.
    public static func leastConnections(_ candidates: [BackendState], now: Int) -> Int? {
        preferHealthy(candidates, now: now).min { lhs, rhs in
            (connections(lhs.state), lhs.position) < (connections(rhs.state), rhs.position)
        }?.position
    }

    /// The position of the candidate with the lowest connections x connect
    /// time. An unmeasured backend ranks first so it gets measured; among
    /// equal scores the faster connect wins, then fewer connections, then
    /// the earlier candidate.
    public static func leastResponseTime(_ candidates: [BackendState], now: Int) -> Int? {
        preferHealthy(candidates, now: now).min { lhs, rhs in
            responseKey(lhs.state, lhs.position) < responseKey(rhs.state, rhs.position)
        }?.position
    }

    /// Healthy candidates with their positions when there are any; otherwise
    /// all of them (a backend held off may have recovered, and something
    /// must be tried).
    static func preferHealthy(_ candidates: [BackendState], now: Int) -> [(position: Int, state: BackendState)] {
        let all = candidates.enumerated().map { (position: $0.offset, state: $0.element) }
        let healthy = all.filter { $0.state.isHealthy(at: now) }
        return healthy.isEmpty ? all : healthy
    }

    private static func responseKey(_ state: BackendState, _ position: Int) -> (Int, Int, Int, Int, Int) {
        guard let millis = state.connectMillis else {
            return (0, 0, 0, connections(state), position)
        }
        let time = max(millis, 0)
        let (product, overflow) = connections(state).multipliedReportingOverflow(by: time)
        return (1, overflow ? Int.max : product, time, connections(state), position)
    }

    /// Stored counts come from a shared file; a negative one counts as none.
    private static func connections(_ state: BackendState) -> Int {
        max(state.connCount, 0)
    }
}
