import XCTest
@testable import ProxyCore

final class ProxyProtocolCRC32CTests: XCTestCase {
    func testStandardCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    }

    func testRFC3720Vectors() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    func testEmptyInputAndIncrementalUpdate() {
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        for split in [0, 1, 17, data.count] {
            XCTAssertEqual(CRC32C.update(CRC32C.checksum(data[..<split]), with: data[split...]),
                           CRC32C.checksum(data), "split at \(split)")
        }
        XCTAssertEqual(CRC32C.checksum(data), 0x2262_0404)
    }

    func testTableMatchesBitwiseDefinition() {
        XCTAssertEqual(CRC32C.table.count, 256)
        XCTAssertEqual(CRC32C.table[0], 0)
        XCTAssertEqual(CRC32C.table[1], 0xF26B_8303)
        XCTAssertEqual(CRC32C.table[128], 0x82F6_3B78)
    }
}
