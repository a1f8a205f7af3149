/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.
/// PROXY v2 uses it for the PP2_TYPE_CRC32C TLV.
public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// The checksum of `bytes` ("123456789" gives 0xE3069283).
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        update(0, with: bytes)
    }

    /// Continues a checksum: `update(checksum(a), with: b) == checksum(a + b)`.
    public static func update<S: Sequence>(_ checksum: UInt32, with bytes: S) -> UInt32 where S.Element == UInt8 {
        var crc = ~checksum
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return ~crc
    }
}
