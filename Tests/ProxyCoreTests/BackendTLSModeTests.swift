import ProxyCore
import XCTest

final class BackendTLSModeTests: XCTestCase {
    private func url(_ text: String) -> BackendURL { try! BackendURL(parsing: text) }

    func testPlainBackendsFollowTheEngine() {
        let plain = url("ftp://backend.example:21")
        XCTAssertEqual(BackendTLSMode.decide(engine: .off, url: plain, clientUsesTLS: true), BackendTLSMode.none)
        XCTAssertEqual(BackendTLSMode.decide(engine: .on, url: plain, clientUsesTLS: false), .explicit(required: true))
        XCTAssertEqual(BackendTLSMode.decide(engine: .auto, url: plain, clientUsesTLS: false), .explicit(required: false))
        XCTAssertEqual(BackendTLSMode.decide(engine: .matchClient, url: plain, clientUsesTLS: true), .explicit(required: true))
        XCTAssertEqual(BackendTLSMode.decide(engine: .matchClient, url: plain, clientUsesTLS: false), BackendTLSMode.none)
    }

    func testFTPSBackendsAlwaysRequireTLS() {
        let explicit = url("ftps://backend.example:21")
        for engine in [TLSEngineMode.on, .auto, .matchClient] {
            XCTAssertEqual(BackendTLSMode.decide(engine: engine, url: explicit, clientUsesTLS: false), .explicit(required: true))
        }
        XCTAssertNil(BackendTLSMode.decide(engine: .off, url: explicit, clientUsesTLS: false), "never in clear")
        let implicit = url("ftps://backend.example:990")
        XCTAssertEqual(BackendTLSMode.decide(engine: .auto, url: implicit, clientUsesTLS: false), .implicit)
        XCTAssertEqual(BackendTLSMode.decide(engine: .auto, url: url("ftp://backend.example:990"), clientUsesTLS: false),
                       .explicit(required: false), "port 990 is implicit only for ftps://")
    }

    func testOtherSchemesAreNotFTP() {
        XCTAssertNil(BackendTLSMode.decide(engine: .auto, url: url("sftp://backend.example:22"), clientUsesTLS: false))
    }

    func testProtocolSpan() {
        let span = TLSProtocols.defaultSet.versionSpan
        XCTAssertEqual(span?.lowest, .tlsV1)
        XCTAssertEqual(span?.highest, .tlsV1_3)
        XCTAssertEqual(span?.gaps, [])
        let holes: TLSProtocols = [.tlsV1, .tlsV1_3]
        XCTAssertEqual(holes.versionSpan?.gaps, [.tlsV1_1, .tlsV1_2])
        XCTAssertEqual(TLSProtocols([.tlsV1_2]).versionSpan?.lowest, .tlsV1_2)
        XCTAssertNil(TLSProtocols([]).versionSpan)
    }
}
