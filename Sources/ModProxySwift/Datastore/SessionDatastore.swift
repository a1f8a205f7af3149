import CShims
import ProxyCore
import ProxyStore

/// The session's view of the shared reverse-proxy state: the store chosen by
/// ProxyDatastore, bound to the session's vhost. Every call that fails is
/// logged (DatastoreFailureLog) and answers nil, so selection goes on
/// without shared state rather than failing the session.
struct SessionDatastore {
    let store: ReverseDatastore?
    let vhostID: Int

    /// Opens the configured datastore in the session process.
    static func open(_ options: SessionOptions) -> SessionDatastore {
        DatastoreFailureLog.tablesDirectory = options.tablesDirectory
        return SessionDatastore(store: openStore(options.datastore, tablesDirectory: options.tablesDirectory,
                                          connectTimeout: options.connectTimeout),
                         vhostID: options.vhostID)
    }

    /// The store for `kind`, opened with root privileges (ProxyTables is
    /// root's), or nil (logged) when it cannot be used. A Redis store
    /// connects on first use; its waits are capped at `connectTimeout`.
    static func openStore(_ kind: ProxyDatastore, tablesDirectory: String,
                          connectTimeout: Int = 5) -> ReverseDatastore? {
        switch kind {
        case .sqlite:
            mps_privs_root()
            defer { mps_privs_relinquish() }
            do {
                return try SQLiteReverseDatastore(tablesDirectory: tablesDirectory)
            } catch {
                DatastoreFailureLog.report("opening the SQLite datastore", error)
                return nil
            }
        case .redis(let prefix):
            return RedisReverseDatastore(redis: RedisConnection(timeoutCapSeconds: connectTimeout, serverConfig: main_server?.pointee.conf),
                                         keys: RedisKeyLayout(prefix: prefix),
                                         proxyID: RedisProxyIdentity.of(main_server))
        }
    }

    /// The TLS session cache for `kind`, or nil (logged) when it cannot be
    /// used; the same choice as the reverse-proxy state, so another
    /// ProxyDatastore plugs in here for both.
    static func openTLSSessionStore(_ kind: ProxyDatastore, tablesDirectory: String) -> TLSSessionStore? {
        if case .redis(let prefix) = kind {
            return RedisTLSSessionStore(redis: RedisConnection(timeoutCapSeconds: 5, serverConfig: main_server?.pointee.conf), keys: RedisKeyLayout(prefix: prefix))
        }
        return openSideStore("the TLS session cache") { try SQLiteTLSSessionStore(tablesDirectory: tablesDirectory) }
    }

    /// The DNS answers shared by sessions (ftp+srv/ftp+txt backends), or nil
    /// (logged) when they cannot be kept: every session then asks DNS.
    /// Always the local ProxyTables file, Redis or not: answers are
    /// per-machine resolver results, cheap to ask again.
    static func openDNSAnswerStore(_ kind: ProxyDatastore, tablesDirectory: String) -> DNSAnswerStore? {
        openSideStore("the DNS answer cache") { try SQLiteDNSAnswerStore(tablesDirectory: tablesDirectory) }
    }

    /// Backend SSH host keys (ProxySFTPVerifyServer) in the store
    /// ProxyDatastore chooses, or nil (logged). A Redis store connects on
    /// first use, its waits capped at `connectTimeout`.
    static func openSSHHostKeyStore(_ kind: ProxyDatastore, tablesDirectory: String,
                                    connectTimeout: Int) -> SSHHostKeyStore? {
        if case .redis(let prefix) = kind {
            return RedisSSHHostKeyStore(redis: RedisConnection(timeoutCapSeconds: connectTimeout,
                                                               serverConfig: main_server?.pointee.conf),
                                        keys: RedisKeyLayout(prefix: prefix))
        }
        return openSideStore("the SSH host key store") { try SQLiteSSHHostKeyStore(tablesDirectory: tablesDirectory) }
    }

    /// A store beside the reverse-proxy state (its own ProxyTables file),
    /// opened as root; nil (logged) when it cannot be.
    private static func openSideStore<Store>(_ what: String, sqlite: () throws -> Store) -> Store? {
        mps_privs_root()
        defer { mps_privs_relinquish() }
        do {
            return try sqlite()
        } catch {
            DatastoreFailureLog.report("opening \(what)", error)
            return nil
        }
    }

    /// A query's answer, or nil when there is no store or it failed.
    func read<T>(_ operation: String, _ body: (ReverseDatastore, Int) throws -> T) -> T? {
        guard let store else { return nil }
        do {
            return try body(store, vhostID)
        } catch {
            DatastoreFailureLog.report(operation, error)
            return nil
        }
    }

    /// A write whose failure is logged, never ignored.
    func write(_ operation: String, _ body: (ReverseDatastore, Int) throws -> Void) {
        _ = read(operation, body)
    }

    func close() { store?.close() }
}
