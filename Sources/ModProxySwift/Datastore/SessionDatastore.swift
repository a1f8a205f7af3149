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
        SessionDatastore(store: openStore(options.datastore, tablesDirectory: options.tablesDirectory),
                         vhostID: options.vhostID)
    }

    /// The store for `kind`, opened with root privileges (ProxyTables is
    /// root's), or nil (logged) when it cannot be used.
    static func openStore(_ kind: ProxyDatastore, tablesDirectory: String) -> ReverseDatastore? {
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
            ProxyLog.write("ProxyDatastore Redis \(prefix) is parsed but not active yet in this build; choosing backends without shared state")
            return nil
        }
    }

    /// The TLS session cache for `kind`, or nil (logged) when it cannot be
    /// used; the same choice as the reverse-proxy state, so another
    /// ProxyDatastore plugs in here for both.
    static func openTLSSessionStore(_ kind: ProxyDatastore, tablesDirectory: String) -> TLSSessionStore? {
        openSideStore(kind, "the TLS session cache") { try SQLiteTLSSessionStore(tablesDirectory: tablesDirectory) }
    }

    /// The DNS answers shared by sessions (ftp+srv/ftp+txt backends), or nil
    /// (logged) when they cannot be kept: every session then asks DNS.
    static func openDNSAnswerStore(_ kind: ProxyDatastore, tablesDirectory: String) -> DNSAnswerStore? {
        openSideStore(kind, "the DNS answer cache") { try SQLiteDNSAnswerStore(tablesDirectory: tablesDirectory) }
    }

    /// Backend SSH host keys (ProxySFTPVerifyServer), or nil (logged).
    static func openSSHHostKeyStore(_ kind: ProxyDatastore, tablesDirectory: String) -> SSHHostKeyStore? {
        openSideStore(kind, "the SSH host key store") { try SQLiteSSHHostKeyStore(tablesDirectory: tablesDirectory) }
    }

    /// A store beside the reverse-proxy state (its own ProxyTables file),
    /// opened as root; nil (logged) when it cannot be.
    private static func openSideStore<Store>(_ kind: ProxyDatastore, _ what: String,
                                             sqlite: () throws -> Store) -> Store? {
        switch kind {
        case .sqlite:
            mps_privs_root()
            defer { mps_privs_relinquish() }
            do {
                return try sqlite()
            } catch {
                DatastoreFailureLog.report("opening \(what)", error)
                return nil
            }
        case .redis:
            return nil   // parsed only so far; openStore logged it
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
