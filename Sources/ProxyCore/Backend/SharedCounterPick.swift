/// Round robin and shuffle over a counter that several proxies increment
/// atomically (Redis HINCRBY): each increment is one pick, so proxies sharing
/// the counter take turns without reading and writing a cursor.
public enum SharedCounterPick {
    /// The round-robin start for the counter's new value (1 for the first
    /// pick, which is position 0, as a fresh SQLite cursor gives).
    public static func roundRobinStart(counter: UInt64, count: Int) -> Int {
        guard count > 0 else { return 0 }
        return Int((counter &- 1) % UInt64(count))
    }

    /// How far to move the counter on when the backend used is at `used`
    /// but the counter pointed at `start` (held-off backends skipped, or a
    /// failover): the next pick then follows `used`, as the SQLite cursor does.
    public static func advance(from start: Int, to used: Int, count: Int) -> Int {
        guard count > 0 else { return 0 }
        return (((used - start) % count) + count) % count
    }

    /// The shuffle position for the counter's new value: the counter runs
    /// through cycles of `count` draws; each cycle is one permutation of the
    /// candidates, the same in every proxy (seeded by the cycle number and
    /// `salt`), so every candidate is drawn once per cycle.
    public static func shuffleDraw(counter: UInt64, count: Int, salt: UInt64) -> Int {
        guard count > 0 else { return 0 }
        let zeroBased = counter &- 1
        let cycle = zeroBased / UInt64(count)
        let slot = Int(zeroBased % UInt64(count))
        return permutation(count: count, seed: cycle ^ salt)[slot]
    }

    /// A Fisher-Yates permutation of 0..<count from a SplitMix64 stream.
    public static func permutation(count: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<max(count, 0))
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var index = order.count - 1
        while index > 0 {
            let other = Int(next() % UInt64(index + 1))
            order.swapAt(index, other)
            index -= 1
        }
        return order
    }

    /// A stable 64-bit FNV-1a hash of text (a salt that is the same in
    /// every proxy of a fleet, unlike Swift's per-process Hasher).
    public static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
