import CZlib

/// The sending direction's zlib stream: each payload is deflated and
/// flushed with Z_PARTIAL_FLUSH (as OpenSSH does), so the peer can inflate
/// it on its own while the dictionary carries over between packets.
final class PayloadCompressor {
    private let zlib: ZlibStream

    init(level: Int32 = 6) throws {
        zlib = try ZlibStream(what: "deflateInit", start: { sshz_deflate_init($0, level) }, end: { deflateEnd($0) })
    }

    func compress(_ payload: [UInt8]) throws -> [UInt8] {
        let stream = zlib.stream
        return try zlib.process(payload, limit: Int.max) {
            let rc = deflate(stream, Z_PARTIAL_FLUSH)
            guard rc == Z_OK || rc == Z_BUF_ERROR else { throw CompressionError("zlib deflate failed (\(rc))") }
        }
    }
}
