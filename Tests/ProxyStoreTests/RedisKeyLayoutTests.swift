import ProxyStore
import XCTest

/// The Redis key names: upstream's where the data is upstream's, every key
/// under the prefix, share members that survive hostile URLs.
final class RedisKeyLayoutTests: XCTestCase {
    func testUpstreamNamesForTheSortedSets() {
        let keys = RedisKeyLayout(prefix: "1.2.3.4.")
        XCTAssertEqual(keys.connectionCounts(vhostID: 1), "1.2.3.4.proxy_reverse:LeastConns:vhost#1")
        XCTAssertEqual(keys.responseTimes(vhostID: 3), "1.2.3.4.proxy_reverse:LeastResponseTime:vhost#3")
    }

    func testEveryKeyStartsWithThePrefixAndPoliciesDoNotCollide() {
        let keys = RedisKeyLayout(prefix: "fleet:")
        let all = [keys.counters(vhostID: 1), keys.connectionCounts(vhostID: 1),
                   keys.connectionShare(proxyID: "h:21"), keys.responseTimes(vhostID: 1), keys.health(vhostID: 1),
                   keys.backends(vhostID: 1), keys.vhostNames, keys.daemon(proxyID: "h:21"),
                   keys.tlsSession(vhostID: 1, backend: "ftps://a:21"),
                   keys.sshHostKey(vhostID: 1, backend: "sftp://a:22")]
            + StickyPolicy.allCases.map { keys.sticky($0, vhostID: 1) }
        XCTAssertTrue(all.allSatisfy { $0.hasPrefix("fleet:") })
        XCTAssertEqual(Set(all).count, all.count)
        XCTAssertNotEqual(keys.counters(vhostID: 1), keys.counters(vhostID: 11))
        XCTAssertNotEqual(keys.health(vhostID: 1), RedisKeyLayout(prefix: "other:").health(vhostID: 1))
    }

    func testSSHHostKeysUpstreamsNameWithTheVhost() {
        let keys = RedisKeyLayout(prefix: "fleet:")
        XCTAssertEqual(keys.sshHostKey(vhostID: 2, backend: "sftp://h:22"), "fleet:proxy_ssh_hostkeys:vhost#2:sftp://h:22")
        XCTAssertNotEqual(keys.sshHostKey(vhostID: 1, backend: "sftp://h:22"), keys.sshHostKey(vhostID: 2, backend: "sftp://h:22"))
        XCTAssertEqual([RedisKeyLayout.hostKeyAlgorithmField, RedisKeyLayout.hostKeyBlobField], ["algo", "blob"])
    }

    func testShareMembersRoundTripAndRefuseJunk() {
        for url in ["ftp://a:21", "ftp://user:p w@[::1]:2121", "ftp://x y z"] {
            let member = RedisKeyLayout.shareMember(vhostID: 7, url: url)
            XCTAssertEqual(RedisKeyLayout.parseShareMember(member)?.vhostID, 7)
            XCTAssertEqual(RedisKeyLayout.parseShareMember(member)?.url, url)
        }
        for junk in ["", " ", "7", "7 ", "x ftp://a", "-1 ftp://a", "99999999999999999999999 ftp://a", "\u{0} ftp://a"] {
            XCTAssertNil(RedisKeyLayout.parseShareMember(junk), junk)
        }
    }
}
