import XCTest
@testable import ProxyCore

final class TransferLogNamesTests: XCTestCase {
    func testTypeArguments() {
        XCTAssertEqual(TransferLogNames.isASCII(typeArgument: "A"), true)
        XCTAssertEqual(TransferLogNames.isASCII(typeArgument: "a n"), true)
        XCTAssertEqual(TransferLogNames.isASCII(typeArgument: "I"), false)
        XCTAssertEqual(TransferLogNames.isASCII(typeArgument: "L 8"), false)
        XCTAssertNil(TransferLogNames.isASCII(typeArgument: "L 7"))
        XCTAssertNil(TransferLogNames.isASCII(typeArgument: "E"))
        XCTAssertNil(TransferLogNames.isASCII(typeArgument: ""))
    }

    func testPWDReplies() {
        XCTAssertEqual(TransferLogNames.directory(ofPWDText: "\"/home/alice\" is the current directory"), "/home/alice")
        XCTAssertEqual(TransferLogNames.directory(ofPWDText: "\"/a \"\"b\"\" c\" is current"), "/a \"b\" c")
        XCTAssertNil(TransferLogNames.directory(ofPWDText: "no quotes"))
        XCTAssertNil(TransferLogNames.directory(ofPWDText: "\"/unterminated"))
    }

    func testBackendPaths() {
        XCTAssertEqual(TransferLogNames.backendPath(argument: "a.txt", workingDirectory: "/home/alice"), "/home/alice/a.txt")
        XCTAssertEqual(TransferLogNames.backendPath(argument: "a.txt", workingDirectory: "/"), "/a.txt")
        XCTAssertEqual(TransferLogNames.backendPath(argument: "/x/a.txt", workingDirectory: "/home"), "/x/a.txt")
        XCTAssertEqual(TransferLogNames.backendPath(argument: "a.txt", workingDirectory: nil), "a.txt")
    }
}
