/// The order in which a session tries its candidates: from the backend the
/// connect policy picked, round the list; backends held off after a failure
/// go last (they are still tried when nothing healthy is left), and at most
/// ProxyRetryCount are tried.
public enum FailoverOrder {
    /// Candidate positions to try, in order.
    ///
    /// - Parameters:
    ///   - count: the number of candidates.
    ///   - start: the policy's pick (folded into range).
    ///   - healthy: whether the candidate at a position is healthy now.
    ///   - pinned: the pick goes first even when held off (a sticky
    ///     assignment: the user's data lives there).
    ///   - attempts: ProxyRetryCount.
    public static func positions(count: Int, start: Int, healthy: (Int) -> Bool,
                                 pinned: Bool = false, attempts: Int) -> [Int] {
        guard count > 0, attempts > 0 else { return [] }
        let first = ((start % count) + count) % count
        let rotation = (0..<count).map { (first + $0) % count }
        var order = rotation.filter(healthy) + rotation.filter { !healthy($0) }
        if pinned, let index = order.firstIndex(of: first), index > 0 {
            order.remove(at: index)
            order.insert(first, at: 0)
        }
        return Array(order.prefix(attempts))
    }

    /// The round-robin pick after `cursor` (the position of the backend used
    /// last, nil when it is not among the candidates): the next healthy
    /// candidate round the list, or simply the next one when none is healthy.
    public static func roundRobinPick(count: Int, after cursor: Int?, healthy: (Int) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        let next = cursor.map { (($0 % count) + count + 1) % count } ?? 0
        return positions(count: count, start: next, healthy: healthy, attempts: 1).first
    }
}
