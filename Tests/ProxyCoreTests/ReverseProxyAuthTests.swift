import XCTest
@testable import ProxyCore

/// UseReverseProxyAuth and PerGroup: when the backend is chosen, the sticky
/// key of each policy, and how ProFTPD's auth codes read.
final class ReverseProxyAuthTests: XCTestCase {
    private func servers(urls: Int = 0, files: [String] = [], templates: [String] = []) -> ReverseServerList {
        var list = ReverseServerList()
        list.staticURLs = (0..<urls).map { try! BackendURL(parsing: "ftp://10.0.0.\($0 + 1):21") }
        list.staticFiles = files
        list.dynamicSources = templates.map { .file(BackendPathTemplate($0)) }
        return list
    }

    func testProxyAuthChoosesAtPassWhateverThePolicy() throws {
        for policy in ReverseConnectPolicy.allCases {
            XCTAssertEqual(try BackendChoiceMoment.decide(policy: policy, useReverseProxyAuth: true,
                                                          servers: servers(urls: 2)), .atPass, policy.rawValue)
            XCTAssertEqual(try BackendChoiceMoment.decide(policy: policy, useReverseProxyAuth: true,
                                                          servers: servers(templates: ["/b/%g.json"])), .atPass)
        }
    }

    func testWithoutProxyAuth() throws {
        XCTAssertEqual(try BackendChoiceMoment.decide(policy: .roundRobin, useReverseProxyAuth: false,
                                                      servers: servers(urls: 2)), .atConnect)
        XCTAssertEqual(try BackendChoiceMoment.decide(policy: .perHost, useReverseProxyAuth: false,
                                                      servers: servers(urls: 1, templates: ["/b/%U.json"])), .atConnect)
        XCTAssertEqual(try BackendChoiceMoment.decide(policy: .perUser, useReverseProxyAuth: false,
                                                      servers: servers(urls: 2)), .atUser)
        // only per-user lists: nothing to connect to before USER
        XCTAssertEqual(try BackendChoiceMoment.decide(policy: .random, useReverseProxyAuth: false,
                                                      servers: servers(templates: ["/b/%U.json"])), .atUser)
        XCTAssertEqual(try BackendChoiceMoment.decide(policy: .random, useReverseProxyAuth: false,
                                                      servers: servers(files: ["/b/all.json"], templates: ["/b/%U.json"])),
                       .atConnect)
        // an empty list is left to the connect (which refuses with a 421)
        XCTAssertEqual(try BackendChoiceMoment.decide(policy: .shuffle, useReverseProxyAuth: false,
                                                      servers: servers()), .atConnect)
    }

    func testPerGroupNeedsProxyAuth() {
        for list in [servers(urls: 2), servers(templates: ["/b/%g.json"]), servers()] {
            XCTAssertThrowsError(try BackendChoiceMoment.decide(policy: .perGroup, useReverseProxyAuth: false,
                                                                servers: list)) { error in
                XCTAssertEqual("\(error)", "ProxyReverseConnectPolicy PerGroup requires the UseReverseProxyAuth ProxyOption")
            }
        }
    }

    func testStickyKeys() {
        XCTAssertEqual(ReverseConnectPolicy.perUser.stickyKey(user: "alice", group: "staff", clientAddress: "::1"), "alice")
        XCTAssertEqual(ReverseConnectPolicy.perGroup.stickyKey(user: "alice", group: "staff", clientAddress: "::1"), "staff")
        XCTAssertEqual(ReverseConnectPolicy.perHost.stickyKey(user: "alice", group: "staff", clientAddress: "::1"), "::1")
        // unknown or empty names: no sticky entry at all (never one shared "" key)
        XCTAssertNil(ReverseConnectPolicy.perGroup.stickyKey(user: "alice", group: nil, clientAddress: "::1"))
        XCTAssertNil(ReverseConnectPolicy.perGroup.stickyKey(user: "alice", group: "", clientAddress: "::1"))
        XCTAssertNil(ReverseConnectPolicy.perUser.stickyKey(user: "", group: "staff", clientAddress: nil))
        for policy in [ReverseConnectPolicy.roundRobin, .random, .shuffle, .leastConns, .leastResponseTime] {
            XCTAssertNil(policy.stickyKey(user: "alice", group: "staff", clientAddress: "::1"), policy.rawValue)
        }
    }

    func testAuthCodes() {
        XCTAssertEqual(LocalAuthResult(code: 0), .accepted)
        XCTAssertEqual(LocalAuthResult(code: 2), .accepted)      // RFC 2228 mechanism (e.g. TLS client cert)
        XCTAssertEqual(LocalAuthResult(code: 3), .accepted)      // no password needed
        XCTAssertEqual(LocalAuthResult(code: -2), .refused(reason: "No such user found"))
        XCTAssertEqual(LocalAuthResult(code: -3), .refused(reason: "Incorrect password"))
        XCTAssertEqual(LocalAuthResult(code: -5), .refused(reason: "Account disabled"))
        // hostile or unknown values never log anyone in
        for code in [1, 4, -1, -13, 99, Int(Int32.min), Int(Int32.max)] {
            guard case .refused(let reason) = LocalAuthResult(code: code) else {
                return XCTFail("code \(code) accepted")
            }
            XCTAssertFalse(reason.isEmpty)
        }
        XCTAssertEqual(LocalAuthResult(code: 1), .refused(reason: "Authentication failed (code 1)"))
    }

    func testGroupTemplateExpansion() throws {
        let template = BackendPathTemplate("/etc/proxy/%g.json")
        XCTAssertTrue(template.usesGroup)
        XCTAssertEqual(try template.expand(user: "alice", group: "staff"), "/etc/proxy/staff.json")
        XCTAssertThrowsError(try template.expand(user: "alice", group: nil))
        for hostile in ["", "..", "../etc", "a/b", "x\u{0}y", "tab\t"] {
            XCTAssertThrowsError(try template.expand(user: "alice", group: hostile), hostile)
        }
    }
}
