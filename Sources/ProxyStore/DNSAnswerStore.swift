/// DNS answers of ftp+srv:// and ftp+txt:// backends shared by the sessions
/// of a vhost until they expire (their smallest TTL), so a busy proxy does
/// not ask DNS for every session. The answer is the caller's text
/// (`DNSAnswerText`); the key names the record type and the name.
public protocol DNSAnswerStore: AnyObject {
    /// The answer if it has not expired at `now`.
    func answer(vhostID: Int, key: String, now: Int) throws -> String?
    func setAnswer(vhostID: Int, key: String, answer: String, expires: Int) throws
    func close()
}

/// `DNSAnswerStore` in `<ProxyTables>/proxy-dns.db`.
public final class SQLiteDNSAnswerStore: DNSAnswerStore {
    public static let fileName = "proxy-dns.db"
    /// Far larger than a UDP/TCP DNS answer's records as text.
    public static let maxAnswerLength = 256 * 1024

    static let table = "proxy_dns_answers"
    static let schema = TablesSchema(
        version: SchemaVersion(name: "proxy_dns", version: 1),
        tables: [table],
        creationSQL: ["""
            CREATE TABLE IF NOT EXISTS \(table) (vhost_id INTEGER NOT NULL, backend_uri TEXT NOT NULL, \
            answer TEXT NOT NULL, UNIQUE (vhost_id, backend_uri))
            """])

    private let file: BackendKeyedText

    public init(tablesDirectory: String, busyTimeout: Double = 5) throws {
        file = try BackendKeyedText(tablesDirectory: tablesDirectory, fileName: Self.fileName,
                                    schema: Self.schema, table: Self.table, busyTimeout: busyTimeout)
    }

    public func close() { file.close() }

    /// Stored as "expires <unix time>" on the first line, then the answer.
    public func answer(vhostID: Int, key: String, now: Int) throws -> String? {
        guard let stored = try file.read(column: "answer", vhostID: vhostID, backend: key),
              let newline = stored.firstIndex(of: "\n") else { return nil }
        let header = stored[..<newline]
        guard header.hasPrefix("expires "), let expires = Int(header.dropFirst(8)), now < expires else { return nil }
        return String(stored[stored.index(after: newline)...])
    }

    public func setAnswer(vhostID: Int, key: String, answer: String, expires: Int) throws {
        guard answer.utf8.count <= Self.maxAnswerLength else {
            throw DatastoreError(.invalidArgument,
                "DNS answer for \(key) is \(answer.utf8.count) bytes; expected at most \(Self.maxAnswerLength)")
        }
        try file.write(columns: ["answer"], values: [.text("expires \(expires)\n" + answer)], vhostID: vhostID, backend: key)
    }
}
