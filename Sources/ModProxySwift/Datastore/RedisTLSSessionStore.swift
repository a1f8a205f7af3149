import ProxyStore

/// `TLSSessionStore` in Redis: one expiring string per backend, so proxies
/// sharing a prefix resume each other's TLS sessions with a backend.
final class RedisTLSSessionStore: TLSSessionStore {
    /// Redis drops an entry after a day, as the cache ignores older ones.
    static let lifetimeSeconds = 86_400

    private let redis: RedisConnection
    private let keys: RedisKeyLayout

    init(redis: RedisConnection, keys: RedisKeyLayout) {
        self.redis = redis
        self.keys = keys
    }

    func session(vhostID: Int, backend: String) throws -> String? {
        try redis.get(keys.tlsSession(vhostID: vhostID, backend: backend))
    }

    func setSession(vhostID: Int, backend: String, session: String) throws {
        guard !session.isEmpty, session.utf8.count <= SQLiteTLSSessionStore.maxSessionLength else {
            throw DatastoreError(.invalidArgument,
                "TLS session for \(backend) is \(session.utf8.count) bytes; expected 1...\(SQLiteTLSSessionStore.maxSessionLength)")
        }
        try redis.set(keys.tlsSession(vhostID: vhostID, backend: backend), session, expires: Self.lifetimeSeconds)
    }

    func removeSession(vhostID: Int, backend: String) throws {
        try redis.remove(keys.tlsSession(vhostID: vhostID, backend: backend))
    }

    func close() { redis.close() }
}
