import Glibc

/// In-memory ends for the LIST-to-MLSD transform, so the ordinary relay
/// (DataRelay: its waits, stall limit and ABOR handling) moves the bytes
/// into and out of the translation. Neither ever blocks, so their
/// descriptor (-1) is never polled.

/// Collects the backend's LIST output, up to `limit` bytes: beyond it a
/// write fails with EFBIG (the listing is refused, not cut short).
final class ListingCollector: ByteTransport {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var overflowed = false

    init(limit: Int) { self.limit = limit }

    var fd: Int32 { -1 }
    var hasBufferedInput: Bool { false }
    var isKernelSocket: Bool { false }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep { .failed(EBADF) }

    func transmit(_ chunk: UnsafeRawBufferPointer) -> TransportStep {
        guard bytes.count + chunk.count <= limit else {
            overflowed = true
            return .failed(EFBIG)
        }
        bytes.append(contentsOf: chunk)
        return .transferred(chunk.count)
    }

    func shutdownWrite() {}
    func close() {}
}

/// Hands out the translated MLSD text, then the end of the stream.
final class ListingSource: ByteTransport {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var fd: Int32 { -1 }
    var hasBufferedInput: Bool { offset < bytes.count }
    var isKernelSocket: Bool { false }

    func receive(into buffer: UnsafeMutableRawBufferPointer) -> TransportStep {
        guard offset < bytes.count else { return .endOfStream }
        let n = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { all in
            buffer.baseAddress!.copyMemory(from: all.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return .transferred(n)
    }

    func transmit(_ chunk: UnsafeRawBufferPointer) -> TransportStep { .failed(EBADF) }
    func shutdownWrite() {}
    func close() {}
}
