import CZlib

/// The sending direction's zlib stream: each payload is deflated and
/// flushed with Z_PARTIAL_FLUSH (as OpenSSH does), so the peer can inflate
/// it on its own while the dictionary carries over between packets.
final class PayloadCompressor {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)

    init(level: Int32 = 6) throws {
        stream.initialize(to: z_stream())
        guard sshz_deflate_init(stream, level) == Z_OK else {
            stream.deallocate()
            throw CompressionError("zlib deflateInit failed")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    func compress(_ payload: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count / 2 + 64)
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var input = payload
        let total = input.count
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(total)
            repeat {
                let produced: Int = try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    let rc = deflate(stream, Z_PARTIAL_FLUSH)
                    guard rc == Z_OK || rc == Z_BUF_ERROR else { throw CompressionError("zlib deflate failed (\(rc))") }
                    return outBuf.count - Int(stream.pointee.avail_out)
                }
                out.append(contentsOf: chunk[0..<produced])
            } while stream.pointee.avail_out == 0
        }
        stream.pointee.next_in = nil
        return out
    }
}
