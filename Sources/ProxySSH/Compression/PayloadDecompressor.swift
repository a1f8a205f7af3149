import CZlib

/// The receiving direction's zlib stream. Each packet's payload inflates
/// into at most `limit` bytes: a packet that would grow past it (a zip bomb)
/// ends the session with a clear error instead of exhausting memory.
final class PayloadDecompressor {
    private let zlib: ZlibStream
    let limit: Int

    /// 256 KiB: the largest packet a peer may send us uncompressed.
    init(limit: Int = PacketLimits.maxPacketLength) throws {
        self.limit = limit
        zlib = try ZlibStream(what: "inflateInit", start: { sshz_inflate_init($0) }, end: { inflateEnd($0) })
    }

    func decompress(_ payload: [UInt8]) throws -> [UInt8] {
        let stream = zlib.stream
        let out = try zlib.process(payload, limit: limit) {
            let rc = inflate(stream, Z_PARTIAL_FLUSH)
            switch rc {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: throw CompressionError("compressed payload ends the zlib stream")
            default:
                let why = stream.pointee.msg.map { String(cString: $0) } ?? "code \(rc)"
                throw CompressionError("compressed payload is not valid zlib data (\(why))")
            }
        }
        if stream.pointee.avail_in != 0 { throw CompressionError("compressed payload has trailing bytes") }
        if out.isEmpty { throw CompressionError("compressed payload inflates to nothing") }
        return out
    }
}
