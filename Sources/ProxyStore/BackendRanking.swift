/// The ordering rules behind LeastConns and LeastResponseTime, as pure
/// functions over recorded backend states.
enum BackendRanking {
    /// Fewest connections; ties go to the lower index.
    static func leastConnections(_ candidates: [ReverseBackendState]) -> ReverseBackendState? {
        preferHealthy(candidates).min { lhs, rhs in
            (connections(lhs), lhs.index) < (connections(rhs), rhs.index)
        }
    }

    /// Lowest connections x connect time. An unmeasured backend ranks first
    /// so it gets measured; among equal scores the faster connect wins, then
    /// fewer connections, then the lower index.
    static func leastResponseTime(_ candidates: [ReverseBackendState]) -> ReverseBackendState? {
        preferHealthy(candidates).min { lhs, rhs in
            responseKey(lhs) < responseKey(rhs)
        }
    }

    /// Healthy candidates when there are any; otherwise all of them (a
    /// backend marked down may have recovered, and something must be tried).
    static func preferHealthy(_ candidates: [ReverseBackendState]) -> [ReverseBackendState] {
        let healthy = candidates.filter(\.healthy)
        return healthy.isEmpty ? candidates : healthy
    }

    private static func responseKey(_ state: ReverseBackendState) -> (Int, Int, Int, Int, Int) {
        guard let millis = state.connectMillis else {
            return (0, 0, 0, connections(state), state.index)
        }
        let time = max(millis, 0)
        let (product, overflow) = connections(state).multipliedReportingOverflow(by: time)
        return (1, overflow ? Int.max : product, time, connections(state), state.index)
    }

    /// Stored counts come from a shared file; a negative one counts as none.
    private static func connections(_ state: ReverseBackendState) -> Int {
        max(state.connCount, 0)
    }
}
