import CZlib

/// One z_stream (deflate or inflate) and the loop both directions share:
/// feed a payload, collect output in chunks until zlib leaves room in one.
final class ZlibStream {
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private let end: (UnsafeMutablePointer<z_stream>) -> Int32

    init(what: String, start: (UnsafeMutablePointer<z_stream>) -> Int32,
         end: @escaping (UnsafeMutablePointer<z_stream>) -> Int32) throws {
        stream.initialize(to: z_stream())
        self.end = end
        guard start(stream) == Z_OK else {
            stream.deallocate()
            throw CompressionError("zlib \(what) failed")
        }
    }

    deinit {
        _ = end(stream)
        stream.deallocate()
    }

    /// Runs `step` (one deflate/inflate call, which judges its own return
    /// code) over `input`; more than `limit` output bytes is an error.
    func process(_ input: [UInt8], limit: Int, step: () throws -> Void) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        var input = input
        let total = input.count
        defer { stream.pointee.next_in = nil }
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(total)
            while true {
                let produced: Int = try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    try step()
                    return outBuf.count - Int(stream.pointee.avail_out)
                }
                if out.count + produced > limit {
                    throw CompressionError("compressed payload inflates past \(limit) bytes")
                }
                out.append(contentsOf: chunk[0..<produced])
                // zlib left output room: it has nothing more to give.
                if stream.pointee.avail_out != 0 { break }
            }
        }
        return out
    }
}
