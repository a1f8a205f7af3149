/// SRV and TXT records as text, for the answers kept in the datastore
/// between sessions until their TTL runs out. One record a line:
///
///     srv <priority> <weight> <port> <ttl> <target or ".">
///     txt <ttl> <hex bytes>
///
/// Decoding refuses anything else as a whole (nil): a damaged entry is
/// then looked up again, never half used.
public enum DNSAnswerText {
    public static func encode(srv records: [SRVRecord]) -> String {
        records.map { "srv \($0.priority) \($0.weight) \($0.port) \($0.ttl) \($0.target.isEmpty ? "." : $0.target)\n" }.joined()
    }

    public static func encode(txt records: [TXTRecord]) -> String {
        records.map { record in
            "txt \(record.ttl) " + record.bytes.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined() + "\n"
        }.joined()
    }

    public static func srvRecords(_ text: String) -> [SRVRecord]? {
        var records: [SRVRecord] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 6, fields[0] == "srv",
                  let priority = UInt16(fields[1]), let weight = UInt16(fields[2]), let port = UInt16(fields[3]),
                  let ttl = UInt32(fields[4]), !fields[5].isEmpty,
                  fields[5].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            let target = fields[5] == "." ? "" : String(fields[5])
            records.append(SRVRecord(priority: priority, weight: weight, port: port, target: target, ttl: ttl))
        }
        return records
    }

    public static func txtRecords(_ text: String) -> [TXTRecord]? {
        var records: [TXTRecord] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == "txt", let ttl = UInt32(fields[1]) else { return nil }
            let hex = Array(fields[2].utf8)
            guard hex.count % 2 == 0 else { return nil }
            var bytes: [UInt8] = []
            var index = 0
            while index < hex.count {
                guard let high = ASCII.hexValue(hex[index]), let low = ASCII.hexValue(hex[index + 1]) else { return nil }
                bytes.append(high << 4 | low)
                index += 2
            }
            records.append(TXTRecord(bytes: bytes, ttl: ttl))
        }
        return records
    }
}
