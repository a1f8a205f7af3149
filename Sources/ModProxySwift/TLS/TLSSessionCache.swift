import CProFTPD
import CShims
import Glibc
import ProxyStore

/// TLS sessions of backend control connections kept across proxy sessions
/// (ProxyTables/proxy-tls.db), so the next proxy session to the same backend
/// resumes instead of doing a full handshake. ProxyTLSOptions NoSessionCache
/// turns it off. Entries older than a day, or past their own lifetime, are
/// not used.
enum TLSSessionCache {
    static let maxAgeSeconds = 86_400
    private static var store = SessionSideStore<any TLSSessionStore>()

    /// A session to offer when connecting to `backend` (retained: pass it
    /// to the TLSTransport, then SSL_SESSION_free), or nil.
    static func session(for backend: String, options: SessionOptions) -> OpaquePointer? {
        guard !options.tls.options.contains(.noSessionCache), let store = open(options) else { return nil }
        let pem: String?
        do {
            pem = try store.session(vhostID: options.vhostID, backend: backend)
        } catch {
            DatastoreFailureLog.report("reading the cached TLS session of \(backend)", error)
            return nil
        }
        guard let pem, let session = decode(pem) else { return nil }
        let started = Int(SSL_SESSION_get_time(session))
        let lifetime = min(Int(SSL_SESSION_get_timeout(session)), maxAgeSeconds)
        guard SSL_SESSION_is_resumable(session) == 1, started + lifetime > Int(time(nil)) else {
            SSL_SESSION_free(session)
            do {
                try store.removeSession(vhostID: options.vhostID, backend: backend)
            } catch {
                DatastoreFailureLog.report("dropping the expired TLS session of \(backend)", error)
            }
            return nil
        }
        return session
    }

    /// Keeps the control connection's current session for the next proxy
    /// session (after the first replies, so TLS 1.3 tickets have arrived).
    static func remember(_ transport: TLSTransport, backend: String, options: SessionOptions) {
        guard !options.tls.options.contains(.noSessionCache), let store = open(options),
              let session = transport.copySession() else { return }
        defer { SSL_SESSION_free(session) }
        guard SSL_SESSION_is_resumable(session) == 1, let pem = encode(session) else { return }
        do {
            try store.setSession(vhostID: options.vhostID, backend: backend, session: pem)
        } catch {
            DatastoreFailureLog.report("caching the TLS session of \(backend)", error)
        }
    }

    private static func open(_ options: SessionOptions) -> TLSSessionStore? {
        store.get { SessionDatastore.openTLSSessionStore(options.datastore, tablesDirectory: options.tablesDirectory) }
    }

    static func close() {
        store.close { $0.close() }
    }

    private static func encode(_ session: OpaquePointer) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard PEM_write_bio_SSL_SESSION(bio, session) == 1 else { return nil }
        let length = Int(BIO_ctrl_pending(bio))
        guard length > 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: length)
        let read = bytes.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32(length)) }
        guard read == length else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func decode(_ pem: String) -> OpaquePointer? {
        var bytes = Array(pem.utf8)
        return bytes.withUnsafeMutableBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_SSL_SESSION(bio, nil, nil, nil)
        }
    }
}
