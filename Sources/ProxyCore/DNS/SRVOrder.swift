/// The order in which a client tries SRV targets (RFC 2782): lowest
/// priority first; within one priority, a weighted random draw repeated
/// over the records not drawn yet (weight 0 records have a small chance,
/// listed first before each draw as the RFC says).
public enum SRVOrder {
    /// `random(n)` returns a number in 0...n.
    public static func ordered(_ records: [SRVRecord], random: (Int) -> Int = { Int.random(in: 0...$0) }) -> [SRVRecord] {
        let priorities = Set(records.map(\.priority)).sorted()
        var result: [SRVRecord] = []
        for priority in priorities {
            var remaining = records.filter { $0.priority == priority && $0.weight == 0 }
                + records.filter { $0.priority == priority && $0.weight > 0 }
            while !remaining.isEmpty {
                let total = remaining.reduce(0) { $0 + Int($1.weight) }
                let draw = min(max(random(total), 0), total)
                var running = 0
                var chosen = remaining.count - 1
                for (index, record) in remaining.enumerated() {
                    running += Int(record.weight)
                    if running >= draw { chosen = index; break }
                }
                result.append(remaining.remove(at: chosen))
            }
        }
        return result
    }
}
