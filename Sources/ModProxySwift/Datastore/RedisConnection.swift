import CProFTPD
import CShims
import Glibc
import ProxyStore

/// One connection to the Redis server mod_redis is configured with
/// (RedisServer in the server config context, its user, password and
/// database), through ProFTPD's own Redis API (`pr_redis_*`).
///
/// Every wait is bounded: the connect and I/O timeouts are mod_redis's
/// RedisTimeouts (500 ms each by default), capped at ProxyTimeoutConnect.
/// After a transport failure the connection is dropped and no connection
/// of the process tries again for `retryInterval` seconds, so a slow or
/// stopped Redis costs a session one timeout, not one per call or store. Keys are passed whole (the caller's
/// `RedisKeyLayout` holds the prefix); no mod_redis namespace is set, so
/// the raw commands below and the `pr_redis_k*` calls name the same keys.
final class RedisConnection {
    static let retryInterval = 5

    private let pool: OpaquePointer
    private let timeoutCapMillis: UInt
    /// The server's config records (RedisServer, RedisSentinel, RedisTimeouts).
    private let serverConfig: UnsafeMutablePointer<xaset_t>?
    private var redis: OpaquePointer?
    /// Per process, not per connection: a session's stores (reverse state,
    /// TLS sessions, SSH host keys) each have a connection, and a Redis
    /// down should cost the session one wait, not one per store.
    private static var downUntil = 0

    init(timeoutCapSeconds: Int, serverConfig: UnsafeMutablePointer<xaset_t>?) {
        pool = make_sub_pool(permanent_pool)
        timeoutCapMillis = UInt(max(timeoutCapSeconds, 1)) * 1000
        self.serverConfig = serverConfig
    }

    deinit { close(); destroy_pool(pool) }

    func close() {
        if let redis { _ = pr_redis_conn_close(redis) }
        redis = nil
    }

    /// The live connection, connecting first if needed.
    private func connection() throws -> OpaquePointer {
        if let redis { return redis }
        let now = Int(time(nil))
        guard now >= Self.downUntil else {
            throw DatastoreError(.redis, "Redis was unreachable less than \(Self.retryInterval)s ago; not retried yet")
        }
        RedisServerConfig.apply(serverConfig)
        let (connectMillis, ioMillis) = applyTimeouts()
        errno = 0
        guard let made = pr_redis_conn_new(pool, &proxy_module, UInt(PR_REDIS_CONN_FL_NO_RECONNECT)) else {
            let reason: String
            switch errno {
            case EPERM: reason = "no RedisServer configured in the server config context (mod_redis)"
            case EAGAIN, ETIMEDOUT:
                reason = "no answer within \(connectMillis) ms to connect, \(ioMillis) ms a reply (RedisTimeouts, capped at ProxyTimeoutConnect)"
            default: reason = String(cString: strerror(errno))
            }
            Self.downUntil = now + Self.retryInterval
            throw DatastoreError(.redis, "unable to connect to Redis: \(reason)")
        }
        redis = made
        return made
    }

    /// mod_redis's RedisTimeouts (its defaults otherwise), each capped;
    /// returns what was set.
    private func applyTimeouts() -> (UInt, UInt) {
        let configured = RedisServerConfig.timeouts(serverConfig)
        let capped = (min(max(configured.connect, 1), timeoutCapMillis), min(max(configured.io, 1), timeoutCapMillis))
        _ = redis_set_timeouts(capped.0, capped.1)
        return capped
    }

    /// Runs one pr_redis call; a failure other than `accepted` errnos drops
    /// the connection (its state is unknown after a timeout) and throws.
    private func call(_ what: String, accepting accepted: Set<Int32> = [],
                      _ body: (OpaquePointer) -> Int32) throws -> Int32? {
        let redis = try connection()
        errno = 0
        let result = body(redis)
        guard result < 0 else { return result }
        let code = errno
        if accepted.contains(code) { return nil }
        if code != EINVAL {
            // EIO and friends: a lost or timed-out connection.
            close()
            Self.downUntil = Int(time(nil)) + Self.retryInterval
        }
        let reason: String
        switch code {
        case EIO: reason = "no usable reply (Redis unreachable or too slow)"
        case EINVAL: reason = "Redis refused it or answered with an unexpected type (a key of another type, or a value that is not a number, under this prefix?)"
        default: reason = String(cString: strerror(code))
        }
        throw DatastoreError(.redis, "\(what) failed: \(reason)")
    }

    /// A raw command whose reply must be of `replyType`
    /// (PR_REDIS_REPLY_TYPE_*): atomic updates the k* API lacks.
    func command(_ args: [String], reply replyType: Int32) throws {
        _ = try call(args.first ?? "command") { redis in
            let sub = make_sub_pool(pool)
            defer { destroy_pool(sub) }
            var cStrings = args.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            return cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: args.count) {
                    mps_redis_command(sub, redis, Int32(args.count), $0, replyType)
                }
            }
        }
    }

    // MARK: Strings

    func get(_ key: String) throws -> String? {
        let sub = make_sub_pool(pool)
        defer { destroy_pool(sub) }
        var value: String?
        _ = try call("GET", accepting: [ENOENT]) { redis in
            var size = 0
            guard let bytes = pr_redis_kget(sub, redis, &proxy_module, key, key.utf8.count, &size) else { return -1 }
            value = Self.text(bytes, size)
            return 0
        }
        return value
    }

    /// SET, expiring after `expires` seconds (0: never).
    func set(_ key: String, _ value: String, expires: Int = 0) throws {
        var bytes = Array(value.utf8)
        _ = try call("SET") { redis in
            bytes.withUnsafeMutableBytes {
                pr_redis_kset(redis, &proxy_module, key, key.utf8.count, $0.baseAddress, $0.count, time_t(expires))
            }
        }
    }

    func remove(_ key: String) throws {
        _ = try call("DEL", accepting: [ENOENT]) { pr_redis_kremove($0, &proxy_module, key, key.utf8.count) }
    }

    // MARK: Sorted sets

    /// ZINCRBY (creates the set and member as needed).
    func sortedSetAdd(_ key: String, _ member: String, by amount: Int) throws {
        try command(["ZINCRBY", key, String(amount), member], reply: Int32(PR_REDIS_REPLY_TYPE_STRING))
    }

    /// ZADD, or with `onlyNew` ZADD NX (a member's first score stays).
    func sortedSetSet(_ key: String, _ member: String, score: Int, onlyNew: Bool = false) throws {
        try command(["ZADD", key] + (onlyNew ? ["NX"] : []) + [String(score), member],
                    reply: Int32(PR_REDIS_REPLY_TYPE_INTEGER))
    }

    func sortedSetScore(_ key: String, _ member: String) throws -> Double? {
        var score: Float = 0
        var bytes = Array(member.utf8)
        let found = try call("ZSCORE", accepting: [ENOENT]) { redis in
            bytes.withUnsafeMutableBytes {
                pr_redis_sorted_set_kscore(redis, &proxy_module, key, key.utf8.count, $0.baseAddress, $0.count, &score)
            }
        }
        return found == nil ? nil : Double(score)
    }

    /// Every member, lowest score first.
    func sortedSetMembers(_ key: String, limit: Int = 65_536) throws -> [String] {
        try strings("ZRANGE") { sub, redis, values, sizes in
            pr_redis_sorted_set_kgetn(sub, redis, &proxy_module, key, key.utf8.count, 0, UInt32(limit),
                                      values, sizes, Int32(PR_REDIS_SORTED_SET_FL_ASC))
        }
    }

    // MARK: Sets

    func setMembers(_ key: String) throws -> [String] {
        try strings("SMEMBERS") { sub, redis, values, sizes in
            pr_redis_set_kgetall(sub, redis, &proxy_module, key, key.utf8.count, values, sizes)
        }
    }

    /// SET key value NX EX expires: whether this call created the key (an
    /// atomic "first one wins" among proxies).
    func setIfAbsent(_ key: String, _ value: String, expires: Int) throws -> Bool {
        do {
            try command(["SET", key, value, "NX", "EX", String(expires)], reply: Int32(PR_REDIS_REPLY_TYPE_STATUS))
            return true
        } catch let error as DatastoreError where error.kind == .redis && redis != nil {
            return false   // a nil reply: someone else holds the key
        }
    }

    /// The strings of an array reply that a pr_redis call leaves in
    /// `values`/`sizes` (allocated in a pool freed here); none when the key
    /// is missing.
    private func strings(_ what: String,
                         _ body: (OpaquePointer, OpaquePointer, UnsafeMutablePointer<UnsafeMutablePointer<array_header>?>,
                                  UnsafeMutablePointer<UnsafeMutablePointer<array_header>?>) -> Int32) throws -> [String] {
        let sub = make_sub_pool(pool)
        defer { destroy_pool(sub) }
        var result: [String] = []
        _ = try call(what, accepting: [ENOENT]) { redis in
            var values: UnsafeMutablePointer<array_header>?
            var sizes: UnsafeMutablePointer<array_header>?
            let status = body(sub!, redis, &values, &sizes)
            guard status == 0, let values, let sizes else { return status }
            let items = values.pointee.elts.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            let lengths = sizes.pointee.elts.assumingMemoryBound(to: Int.self)
            for i in 0..<Int(values.pointee.nelts) {
                if let item = items[i] { result.append(Self.text(item, lengths[i])) }
            }
            return 0
        }
        return result
    }

    // MARK: Hashes

    func hashGet(_ key: String, _ field: String) throws -> String? {
        let sub = make_sub_pool(pool)
        defer { destroy_pool(sub) }
        var value: String?
        _ = try call("HGET", accepting: [ENOENT]) { redis in
            var bytes: UnsafeMutableRawPointer?
            var size = 0
            let result = pr_redis_hash_kget(sub, redis, &proxy_module, key, key.utf8.count,
                                            field, field.utf8.count, &bytes, &size)
            if result == 0, let bytes { value = Self.text(bytes, size) }
            return result
        }
        return value
    }

    /// The named fields of a hash that it has, read in one HGETALL (so
    /// fields written together are read together); empty when the key is
    /// missing.
    func hashFields(_ key: String, _ names: [String]) throws -> [String: String] {
        let sub = make_sub_pool(pool)
        defer { destroy_pool(sub) }
        var found: [String: String] = [:]
        _ = try call("HGETALL", accepting: [ENOENT]) { redis in
            var table: OpaquePointer?
            let result = pr_redis_hash_kgetall(sub, redis, &proxy_module, key, key.utf8.count, &table)
            guard result == 0, let table else { return result }
            for name in names {
                var size = 0
                // pr_redis_hash_kgetall adds each field by its bytes, without a NUL.
                if let value = pr_table_kget(table, name, name.utf8.count, &size) {
                    found[name] = Self.text(UnsafeMutableRawPointer(mutating: value), size)
                }
            }
            return 0
        }
        return found
    }

    /// HINCRBY, the new value. pr_redis_hash_kincr wants the field to
    /// exist: an absent one is created at 0 with HSETNX (atomic: when two
    /// proxies race, one creates it, both count), then incremented.
    func hashIncrement(_ key: String, _ field: String, by amount: Int32 = 1) throws -> Int64 {
        var value: Int64 = 0
        let increment = { (redis: OpaquePointer) in
            pr_redis_hash_kincr(redis, &proxy_module, key, key.utf8.count, field, field.utf8.count, amount, &value)
        }
        if try call("HINCRBY", accepting: [ENOENT], increment) == nil {
            try command(["HSETNX", key, field, "0"], reply: Int32(PR_REDIS_REPLY_TYPE_INTEGER))
            _ = try call("HINCRBY", increment)
        }
        return value
    }

    func hashSet(_ key: String, _ field: String, _ value: String) throws {
        var bytes = Array(value.utf8)
        _ = try call("HSET") { redis in
            bytes.withUnsafeMutableBytes {
                pr_redis_hash_kset(redis, &proxy_module, key, key.utf8.count, field, field.utf8.count,
                                   $0.baseAddress, $0.count)
            }
        }
    }

    func hashDelete(_ key: String, _ field: String) throws {
        _ = try call("HDEL", accepting: [ENOENT]) {
            pr_redis_hash_kdelete($0, &proxy_module, key, key.utf8.count, field, field.utf8.count)
        }
    }

    private static func text(_ bytes: UnsafeMutableRawPointer, _ size: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: bytes, count: size), as: UTF8.self)
    }
}
