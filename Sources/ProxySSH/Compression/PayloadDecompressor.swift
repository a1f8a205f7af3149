import CZlib

/// The receiving direction's zlib stream. Each packet's payload inflates
/// into at most `limit` bytes: a packet that would grow past it (a zip bomb)
/// ends the session with a clear error instead of exhausting memory.
final class PayloadDecompressor {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    let limit: Int

    /// 256 KiB: the largest packet a peer may send us uncompressed.
    init(limit: Int = PacketLimits.maxPacketLength) throws {
        self.limit = limit
        stream.initialize(to: z_stream())
        guard sshz_inflate_init(stream) == Z_OK else {
            stream.deallocate()
            throw CompressionError("zlib inflateInit failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func decompress(_ payload: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var input = payload
        let total = input.count
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(total)
            while true {
                let produced: Int = try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    let rc = inflate(stream, Z_PARTIAL_FLUSH)
                    switch rc {
                    case Z_OK, Z_BUF_ERROR: break
                    case Z_STREAM_END: throw CompressionError("compressed payload ends the zlib stream")
                    default:
                        let why = stream.pointee.msg.map { String(cString: $0) } ?? "code \(rc)"
                        throw CompressionError("compressed payload is not valid zlib data (\(why))")
                    }
                    return outBuf.count - Int(stream.pointee.avail_out)
                }
                if out.count + produced > limit {
                    throw CompressionError("compressed payload inflates past \(limit) bytes")
                }
                out.append(contentsOf: chunk[0..<produced])
                // Done when zlib left output room: it has nothing more to give.
                if stream.pointee.avail_out != 0 { break }
            }
        }
        stream.pointee.next_in = nil
        if stream.pointee.avail_in != 0 { throw CompressionError("compressed payload has trailing bytes") }
        if out.isEmpty { throw CompressionError("compressed payload inflates to nothing") }
        return out
    }
}
