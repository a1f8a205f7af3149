/// Answers kept no longer than their TTL (the smallest TTL of the records
/// used). A value type: the owner decides where it lives.
public struct DNSAnswerCache<Value: Sendable>: Sendable {
    private var entries: [String: (value: Value, expires: Int)] = [:]

    public init() {}

    public func value(for key: String, now: Int) -> Value? {
        guard let entry = entries[key], now < entry.expires else { return nil }
        return entry.value
    }

    /// A TTL of 0 means "do not cache" (RFC 1035 §3.2.1).
    public mutating func store(_ value: Value, for key: String, ttl: UInt32, now: Int) {
        entries = entries.filter { now < $0.value.expires }
        guard ttl > 0 else { entries[key] = nil; return }
        entries[key] = (value, now + Int(ttl))
    }
}
