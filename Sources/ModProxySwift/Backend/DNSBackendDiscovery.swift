import Glibc
import ProxyCore
import ProxyStore

/// ftp+srv:// and ftps+srv:// (SRV records: targets in RFC 2782 order, ports
/// from DNS), ftp+txt:// and ftps+txt:// (TXT records holding ftp/ftps URLs),
/// looked up when a session builds its candidates, never at config time.
///
/// Upstream resolves these once, when the configuration is parsed, keeps
/// the TTL but never re-resolves (a TODO in its conn.c), and falls back to
/// the name's A/AAAA records when the lookup fails. Here the answer is
/// shared by the vhost's sessions through the datastore
/// (`ProxyTables/proxy-dns.db`) no longer than its smallest TTL, then asked
/// again; a TTL of 0 is never kept. A failed lookup is not kept, and skips
/// the backend with a log line: the name is a service name, not a host.
struct DNSBackendDiscovery {
    let options: SessionOptions

    /// The connector gives each endpoint its own ProxyTimeoutConnect: a
    /// long answer must not make one attempt last for minutes.
    static let maxEndpoints = 8

    /// Answers are kept a day at most, whatever their TTL (as caching
    /// resolvers cap it), so a mistyped week-long TTL is not a week of
    /// stale backends.
    static let longestKeepSeconds: UInt32 = 86_400

    private static var store = SessionSideStore<any DNSAnswerStore>()

    /// The backends `url` stands for; what happened is appended to `log`.
    func backends(for url: BackendURL, log: inout [String]) -> [BackendURL] {
        guard let kind = url.dnsDiscovery else { return [url] }
        do {
            let found: BackendURLRows.Result
            switch kind {
            case .srv:
                let records = try answer("SRV \(url.host)", decode: DNSAnswerText.srvRecords, encode: DNSAnswerText.encode(srv:),
                                         ttl: { $0.map(\.ttl).min() ?? 0 }) {
                    try DNSResolver.query(url.host, type: DNSMessage.typeSRV).srvRecords()
                }
                found = BackendURLRows.srvTargets(of: url, SRVOrder.ordered(records))
                for reason in found.refused { log.append("backend \(url): skipping \(reason)") }
            case .txt:
                let records = try answer("TXT \(url.host)", decode: DNSAnswerText.txtRecords, encode: DNSAnswerText.encode(txt:),
                                         ttl: { $0.map(\.ttl).min() ?? 0 }) {
                    try DNSResolver.query(url.host, type: DNSMessage.typeTXT).txtRecords()
                }
                var texts: [String] = []
                for record in records {
                    if let text = record.text {
                        texts.append(text)
                    } else {
                        log.append("backend \(url): skipping a TXT record that is not printable text (\(ConfigText.printable(record.bytes, limit: 60)))")
                    }
                }
                found = BackendURLRows.parse(texts, allowDiscovery: false)
                for reason in found.refused { log.append("backend \(url): skipping TXT record \(reason)") }
            }
            if url.hasExplicitPort {
                log.append("backend \(url): port \(url.port) ignored, the ports come from DNS \(kind == .srv ? "SRV" : "TXT") records")
            }
            if found.urls.isEmpty {
                log.append("skipping backend \(url): DNS named no usable backend")
                return []
            }
            let used = Array(found.urls.prefix(Self.maxEndpoints))
            let rest = found.urls.count > used.count ? " (the first \(used.count) of \(found.urls.count))" : ""
            log.append("backend \(url): DNS named \(used.map(\.description).joined(separator: ", "))\(rest)")
            return used
        } catch {
            log.append("skipping backend \(url): \(error)")
            return []
        }
    }

    /// The shared answer for `key` while it is fresh, else `lookup()`'s,
    /// which is then shared until its TTL runs out.
    private func answer<Records>(_ key: String, decode: (String) -> Records?, encode: (Records) -> String,
                                 ttl: (Records) -> UInt32, lookup: () throws -> Records) throws -> Records {
        let now = Int(time(nil))
        let store = Self.open(options)
        do {
            if let text = try store?.answer(vhostID: options.vhostID, key: key, now: now), let records = decode(text) {
                return records
            }
        } catch {
            DatastoreFailureLog.report("reading the DNS answer for \(key)", error)
        }
        let records = try lookup()
        let seconds = min(ttl(records), Self.longestKeepSeconds)
        if seconds > 0, let store {
            do {
                try store.setAnswer(vhostID: options.vhostID, key: key, answer: encode(records), expires: now + Int(seconds))
            } catch {
                DatastoreFailureLog.report("keeping the DNS answer for \(key)", error)
            }
        }
        return records
    }

    private static func open(_ options: SessionOptions) -> DNSAnswerStore? {
        store.get { SessionDatastore.openDNSAnswerStore(options.datastore, tablesDirectory: options.tablesDirectory) }
    }

    static func close() {
        store.close { $0.close() }
    }
}
