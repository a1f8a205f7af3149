import Foundation
import ProxyCore
import XCTest

/// The C module tables (Sources/CShims/module_tables.c) must register
/// exactly the directives the Swift registry validates, each in its module:
/// a directive missing from the C table is "unknown configuration directive"
/// to ProFTPD; one missing from the registry is refused by the handler.
final class DirectiveTableTests: XCTestCase {
    private func cTable(_ name: String) throws -> [String] {
        let source = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/CShims/module_tables.c")
        let text = try String(contentsOf: source, encoding: .utf8)
        guard let start = text.range(of: "static conftable \(name)[] = {"),
              let end = text.range(of: "{ NULL", range: start.upperBound..<text.endIndex) else {
            XCTFail("no conftable \(name) in \(source.path)")
            return []
        }
        return text[start.upperBound..<end.lowerBound]
            .split(separator: "\n")
            .compactMap { line -> String? in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("{ \"") else { return nil }
                return trimmed.dropFirst(3).split(separator: "\"").first.map(String.init)
            }
    }

    func testModProxyTableMatchesTheRegistry() throws {
        let table = try cTable("proxy_conftab")
        XCTAssertEqual(table.count, Set(table).count, "a directive listed twice")
        XCTAssertEqual(Set(table), Set(DirectiveRegistry.directiveNames(of: .proxy)))
    }

    func testModProxyProtocolTableMatchesTheRegistry() throws {
        let table = try cTable("proxy_protocol_conftab")
        XCTAssertEqual(table.count, Set(table).count, "a directive listed twice")
        XCTAssertEqual(Set(table), Set(DirectiveRegistry.directiveNames(of: .proxyProtocol)))
    }
}
