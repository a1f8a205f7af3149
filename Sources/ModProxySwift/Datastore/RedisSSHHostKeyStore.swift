import CProFTPD
import ProxyStore

/// `SSHHostKeyStore` in Redis: one hash per backend (`algo`, `blob`), so
/// proxies sharing a prefix verify backends against the same keys. The
/// first use is recorded by one Lua script (create the hash only if it does
/// not exist), so two proxies racing on a backend's first use agree on one
/// key: the loser reads the winner's back and treats a different one as a
/// changed key. A replacement (ProxySFTPVerifyServer off) is one HSET of
/// both fields.
final class RedisSSHHostKeyStore: SSHHostKeyStore {
    private static let algo = RedisKeyLayout.hostKeyAlgorithmField
    private static let blob = RedisKeyLayout.hostKeyBlobField
    /// Creates the hash with both fields unless the key exists; returns 1
    /// when it did.
    private static let recordIfAbsent = """
        if redis.call('EXISTS', KEYS[1]) == 0 then \
        redis.call('HSET', KEYS[1], '\(algo)', ARGV[1], '\(blob)', ARGV[2]) return 1 end return 0
        """

    private let redis: RedisConnection
    private let keys: RedisKeyLayout

    init(redis: RedisConnection, keys: RedisKeyLayout) {
        self.redis = redis
        self.keys = keys
    }

    func hostKey(vhostID: Int, backend: String) throws -> SSHHostKey? {
        let key = keys.sshHostKey(vhostID: vhostID, backend: backend)
        let fields = try redis.hashFields(key, [Self.algo, Self.blob])
        guard let algorithm = fields[Self.algo], let blob = fields[Self.blob] else {
            if fields.isEmpty { return nil }
            throw DatastoreError(.invalidArgument, "Redis hash \(key) lacks its '\(Self.algo)' or '\(Self.blob)' field")
        }
        let recorded = SSHHostKey(algorithm: algorithm, base64: blob)
        try recorded.checkStorable(for: backend)
        return recorded
    }

    func recordFirstHostKey(vhostID: Int, backend: String, key: SSHHostKey) throws -> SSHHostKey {
        try key.checkStorable(for: backend)
        try redis.command(["EVAL", Self.recordIfAbsent, "1", keys.sshHostKey(vhostID: vhostID, backend: backend),
                           key.algorithm, key.base64], reply: Int32(PR_REDIS_REPLY_TYPE_INTEGER))
        guard let recorded = try hostKey(vhostID: vhostID, backend: backend) else {
            throw DatastoreError(.redis, "the host key of \(backend) was recorded in Redis but is gone")
        }
        return recorded
    }

    func setHostKey(vhostID: Int, backend: String, key: SSHHostKey) throws {
        try key.checkStorable(for: backend)
        try redis.command(["HSET", keys.sshHostKey(vhostID: vhostID, backend: backend),
                           Self.algo, key.algorithm, Self.blob, key.base64], reply: Int32(PR_REDIS_REPLY_TYPE_INTEGER))
    }

    func close() { redis.close() }
}
