/// Backend URLs that come as text from outside the configuration (rows of
/// an SQLNamedQuery, DNS TXT records): each one validated as a configured
/// URL would be. Blank rows are skipped quietly (as upstream); anything
/// else that is not a usable URL is refused with the reason, so the caller
/// can log it and go on with the others.
public enum BackendURLRows {
    public struct Result: Sendable {
        public var urls: [BackendURL] = []
        public var refused: [String] = []
    }

    /// `allowDiscovery`: whether a row may itself be a +srv/+txt URL (never
    /// for TXT records: a TXT naming another lookup invites loops).
    public static func parse(_ rows: [String], allowDiscovery: Bool) -> Result {
        var result = Result()
        for row in rows {
            let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
            let text = String(row.drop(while: blank).reversed().drop(while: blank).reversed())
            if text.isEmpty { continue }
            do {
                let url = try BackendURL(parsing: text)
                if url.dnsDiscovery != nil && !allowDiscovery {
                    result.refused.append("'\(ConfigText.printable(text, limit: 200))': a discovered URL may not use DNS discovery itself")
                } else {
                    result.urls.append(url)
                }
            } catch let error as BackendURLError {
                result.refused.append(error.description)
            } catch {
                result.refused.append("'\(ConfigText.printable(text, limit: 200))': \(error)")
            }
        }
        return result
    }

    /// The backends an SRV answer names for `url` (ftp+srv/ftps+srv), in
    /// RFC 2782 order: the scheme without "+srv", the URL's credentials,
    /// each target's host and port. A target of "." means "no service
    /// here" and is refused, as is a port of 0.
    public static func srvTargets(of url: BackendURL, _ ordered: [SRVRecord]) -> Result {
        var result = Result()
        let scheme: BackendURL.Scheme = url.scheme == .ftpsSRV ? .ftps : .ftp
        for record in ordered {
            if record.target.isEmpty {
                result.refused.append("SRV target '.' (no service offered)")
                continue
            }
            if record.port == 0 {
                result.refused.append("SRV target \(ConfigText.printable(record.target, limit: 200)) with port 0")
                continue
            }
            do {
                result.urls.append(try BackendURL(scheme: scheme, host: record.target, port: record.port,
                                                  username: url.username, password: url.password))
            } catch {
                result.refused.append("SRV target \(ConfigText.printable(record.target, limit: 200)): \(error)")
            }
        }
        return result
    }
}
