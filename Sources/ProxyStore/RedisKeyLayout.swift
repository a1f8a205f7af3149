/// The Redis keys of the shared state under one `ProxyDatastore Redis`
/// prefix. Proxies with the same prefix share everything (a fleet); two
/// prefixes never meet.
///
/// Names follow upstream mod_proxy (`proxy_reverse:<Policy>:vhost#<id>`)
/// where the data is upstream's too: the LeastConns sorted set (URL scored
/// by sessions) and the LeastResponseTime one (URL scored by connect ms).
/// Upstream's RoundRobin and Shuffle lists and PerUser lists are rotated or
/// rewritten by read-modify-write; here those are counters and hashes under
/// other names (so the two layouts never overwrite each other's types).
public struct RedisKeyLayout: Equatable, Sendable {
    public let prefix: String

    public init(prefix: String) { self.prefix = prefix }

    private func reverse(_ policy: String, _ vhostID: Int, _ name: String? = nil) -> String {
        "\(prefix)proxy_reverse:\(policy):vhost#\(vhostID)" + (name.map { ":\($0)" } ?? "")
    }

    /// Hash of counters (fields `roundRobinField`, `shuffleField`), each
    /// HINCRBY'd once per pick; RoundRobin also by the held-off backends it
    /// skips, Shuffle's cycle is its counter divided by the candidate count.
    public func counters(vhostID: Int) -> String { reverse("Counters", vhostID) }
    public static let roundRobinField = "RoundRobin"
    public static let shuffleField = "Shuffle"

    /// Sorted set: URL -> sessions connected through every proxy.
    public func connectionCounts(vhostID: Int) -> String { reverse("LeastConns", vhostID) }

    /// Sorted set: `shareMember` -> sessions this proxy added to
    /// `connectionCounts`, taken back out when the proxy starts again.
    public func connectionShare(proxyID: String) -> String { "\(prefix)proxy_reverse:LeastConns:proxy#\(proxyID)" }

    /// Set: the proxies (`proxyID`s) that have counted sessions.
    public var proxies: String { "\(prefix)proxy_reverse:Proxies" }

    /// String, expiring: present while the proxy shows signs of life (its
    /// daemon started, its sessions connect and disconnect).
    public func alive(proxyID: String) -> String { "\(prefix)proxy_reverse:Alive:proxy#\(proxyID)" }

    /// String, expiring: held by the session that checks the fleet for
    /// dead proxies, so one session a minute does it.
    public var fleetCheck: String { "\(prefix)proxy_reverse:FleetCheck" }

    /// Sorted set: URL -> last connect time in milliseconds.
    public func responseTimes(vhostID: Int) -> String { reverse("LeastResponseTime", vhostID) }

    /// Hash: URL -> Unix time until which the backend is held off.
    public func health(vhostID: Int) -> String { reverse("Health", vhostID) }

    /// Sorted set: URL -> order first seen (for listing a vhost's backends).
    public func backends(vhostID: Int) -> String { reverse("Backends", vhostID) }

    /// Hash: user, group or address -> backend URL.
    public func sticky(_ policy: StickyPolicy, vhostID: Int) -> String {
        switch policy {
        case .user: return reverse("PerUser", vhostID, "sticky")
        case .group: return reverse("PerGroup", vhostID, "sticky")
        case .host: return reverse("PerHost", vhostID, "sticky")
        }
    }

    /// Hash: vhost id -> ServerName.
    public var vhostNames: String { "\(prefix)proxy_reverse:vhosts" }

    /// String: the daemon (pid and start time) that last started this proxy.
    public func daemon(proxyID: String) -> String { "\(prefix)proxy_reverse:Daemon:proxy#\(proxyID)" }

    /// String (PEM), expiring: the TLS session cached for a backend.
    public func tlsSession(vhostID: Int, backend: String) -> String {
        "\(prefix)proxy_tls:session:vhost#\(vhostID):\(backend)"
    }

    /// Hash (fields `hostKeyAlgorithmField`, `hostKeyBlobField`: upstream's
    /// names, the blob in padded base64): the SSH host key recorded for a
    /// backend. Upstream's key is `proxy_ssh_hostkeys:<URL>`, shared by
    /// every vhost; here it is per vhost, as in `proxy-ssh.db`, so a vhost
    /// with ProxySFTPVerifyServer off never re-records a key another one
    /// verifies.
    public func sshHostKey(vhostID: Int, backend: String) -> String {
        "\(prefix)proxy_ssh_hostkeys:vhost#\(vhostID):\(backend)"
    }
    public static let hostKeyAlgorithmField = "algo"
    public static let hostKeyBlobField = "blob"

    /// The member of `connectionShare` for one backend of one vhost.
    public static func shareMember(vhostID: Int, url: String) -> String { "\(vhostID) \(url)" }

    /// The vhost and URL of a `connectionShare` member; nil for anything
    /// this layout did not write.
    public static func parseShareMember(_ member: String) -> (vhostID: Int, url: String)? {
        guard let space = member.firstIndex(of: " "),
              let vhostID = Int(member[..<space]), vhostID >= 0 else { return nil }
        let url = String(member[member.index(after: space)...])
        return url.isEmpty ? nil : (vhostID, url)
    }
}
