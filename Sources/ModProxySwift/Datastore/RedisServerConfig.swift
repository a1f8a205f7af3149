import CProFTPD
import CShims

/// mod_redis's directives as its own session init applies them
/// (RedisSentinel, RedisServer, RedisTimeouts of the server, no inheritance
/// from the server config context), applied here before each connect: our
/// connection may be made before mod_redis's session init ran, and in the
/// master, where only a server-config RedisServer was applied (at parse
/// time). The records' layout is mod_redis 1.3.8's.
enum RedisServerConfig {
    /// Whether `set` (or the server config context) names a Redis server
    /// for ProxyDatastore Redis.
    static func isConfigured(in set: UnsafeMutablePointer<xaset_t>?) -> Bool {
        namesServer(set) || namesServer(ConfigRecords.rootServerSet)
    }

    private static func namesServer(_ set: UnsafeMutablePointer<xaset_t>?) -> Bool {
        find_config(set, Int32(CONF_PARAM), "RedisServer", FALSE) != nil
            || find_config(set, Int32(CONF_PARAM), "RedisSentinel", FALSE) != nil
    }

    /// Points ProFTPD's Redis API at the server's RedisSentinel or
    /// RedisServer, else at those of the server config context (which
    /// mod_redis applied at parse time; the master may have applied a
    /// <VirtualHost>'s since).
    static func apply(_ set: UnsafeMutablePointer<xaset_t>?) {
        let set = namesServer(set) ? set : ConfigRecords.rootServerSet
        if let rec = find_config(set, Int32(CONF_PARAM), "RedisSentinel", FALSE), rec.pointee.argc >= 6,
           let argv = rec.pointee.argv, let sentinels = argv[0], let useSSL = argv[2] {
            _ = redis_set_sentinels2(sentinels.assumingMemoryBound(to: array_header.self), text(argv[1]),
                                     useSSL.assumingMemoryBound(to: Int32.self).pointee,
                                     text(argv[3]), text(argv[4]), text(argv[5]))
        }
        if let rec = find_config(set, Int32(CONF_PARAM), "RedisServer", FALSE), rec.pointee.argc >= 9,
           let argv = rec.pointee.argv, let host = argv[0], let port = argv[1], let useSSL = argv[5] {
            _ = redis_set_server3(host.assumingMemoryBound(to: CChar.self), port.assumingMemoryBound(to: Int32.self).pointee,
                                  0, text(argv[2]), text(argv[3]), text(argv[4]),
                                  useSSL.assumingMemoryBound(to: Int32.self).pointee,
                                  text(argv[6]), text(argv[7]), text(argv[8]))
        }
    }

    /// mod_redis's RedisTimeouts (connect, I/O in milliseconds), or its
    /// defaults.
    static func timeouts(_ set: UnsafeMutablePointer<xaset_t>?) -> (connect: UInt, io: UInt) {
        guard let rec = find_config(set, Int32(CONF_PARAM), "RedisTimeouts", FALSE)
                ?? find_config(ConfigRecords.rootServerSet, Int32(CONF_PARAM), "RedisTimeouts", FALSE),
              rec.pointee.argc >= 2, let argv = rec.pointee.argv, let connect = argv[0], let io = argv[1] else {
            return (500, 500)
        }
        return (connect.assumingMemoryBound(to: UInt.self).pointee, io.assumingMemoryBound(to: UInt.self).pointee)
    }

    private static func text(_ arg: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
        arg.map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
    }
}
