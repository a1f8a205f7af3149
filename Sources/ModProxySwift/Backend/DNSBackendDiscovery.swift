import Glibc
import ProxyCore

/// ftp+srv:// and ftps+srv:// (SRV records: targets in RFC 2782 order, ports
/// from DNS), ftp+txt:// and ftps+txt:// (TXT records holding ftp/ftps URLs),
/// looked up when a session builds its candidates, never at config time.
///
/// Upstream resolves these once, when the configuration is parsed, keeps
/// the TTL but never re-resolves (a TODO in its conn.c), and falls back to
/// the name's A/AAAA records when the lookup fails. Here each session asks
/// DNS (through the resolver, so a local caching resolver's TTL handling
/// applies), and the answer is kept in this process no longer than its
/// smallest TTL, for a session that builds its list again (HOST). A
/// failed lookup skips the backend with a log line: the name is a service
/// name, not a host.
enum DNSBackendDiscovery {
    private static var srvCache = DNSAnswerCache<[SRVRecord]>()
    private static var txtCache = DNSAnswerCache<[TXTRecord]>()

    /// The backends `url` stands for; problems are appended for the log.
    static func backends(for url: BackendURL, problems: inout [String]) -> [BackendURL] {
        guard let kind = url.dnsDiscovery else { return [url] }
        let now = Int(time(nil))
        do {
            let found: BackendURLRows.Result
            switch kind {
            case .srv:
                let records = try srvCache.value(for: url.host, now: now) ?? {
                    let records = try DNSResolver.query(url.host, type: DNSMessage.typeSRV).srvRecords()
                    srvCache.store(records, for: url.host, ttl: records.map(\.ttl).min() ?? 0, now: now)
                    return records
                }()
                found = BackendURLRows.srvTargets(of: url, SRVOrder.ordered(records))
                for reason in found.refused { problems.append("backend \(url): skipping \(reason)") }
            case .txt:
                let records = try txtCache.value(for: url.host, now: now) ?? {
                    let records = try DNSResolver.query(url.host, type: DNSMessage.typeTXT).txtRecords()
                    txtCache.store(records, for: url.host, ttl: records.map(\.ttl).min() ?? 0, now: now)
                    return records
                }()
                var texts: [String] = []
                for record in records {
                    if let text = record.text {
                        texts.append(text)
                    } else {
                        problems.append("backend \(url): skipping a TXT record that is not printable text (\(ConfigText.printable(record.bytes, limit: 60)))")
                    }
                }
                found = BackendURLRows.parse(texts, allowDiscovery: false)
                for reason in found.refused { problems.append("backend \(url): skipping TXT record \(reason)") }
            }
            if url.hasExplicitPort {
                problems.append("backend \(url): port \(url.port) ignored, the ports come from DNS \(kind == .srv ? "SRV" : "TXT") records")
            }
            if found.urls.isEmpty {
                problems.append("skipping backend \(url): DNS named no usable backend")
            } else {
                problems.append("backend \(url): DNS named \(found.urls.map(\.description).joined(separator: ", "))")
            }
            return found.urls
        } catch {
            problems.append("skipping backend \(url): \(error)")
            return []
        }
    }
}
