import XCTest
import ProxyCore
import ProxySSH

/// `proftpd -t` accepts exactly the algorithm names the transport speaks:
/// ProxyCore's copy of the lists (config validation cannot link libcrypto)
/// must equal ProxySSH's tables, so adding an algorithm here without
/// allowing it in the config (or the reverse) fails this test.
final class ConfigAlgorithmNamesTests: XCTestCase {
    func testConfigListsEqualTransportTables() {
        XCTAssertEqual(SFTPAlgorithmSupport.ciphers.sorted(), SSHAlgorithms.supported(.cipher).sorted())
        XCTAssertEqual(SFTPAlgorithmSupport.digests.sorted(), SSHAlgorithms.supported(.mac).sorted())
        XCTAssertEqual(SFTPAlgorithmSupport.keyExchanges.sorted(), SSHAlgorithms.supported(.keyExchange).sorted())
    }

    func testEveryImplementedNameIsAcceptedByItsDirective() throws {
        for (directive, names) in [("ProxySFTPCiphers", SFTPAlgorithmSupport.ciphers),
                                   ("ProxySFTPDigests", SFTPAlgorithmSupport.digests),
                                   ("ProxySFTPKeyExchanges", SFTPAlgorithmSupport.keyExchanges)] {
            let all = names.sorted()
            XCTAssertEqual(try DirectiveRegistry.validate(name: directive, args: all).args, all, directive)
        }
    }
}
