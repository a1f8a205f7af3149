/// Counts CRLF pairs in an ASCII-mode (TYPE A) data stream, across chunk
/// boundaries. A plain ProFTPD logs an ASCII transfer's size in file bytes
/// (LF line ends); on the wire each line ends in CRLF, so the file size is
/// the wire size minus the pairs.
public struct LineEndCounter: Sendable {
    public private(set) var pairs: Int64 = 0
    private var lastWasCR = false

    public init() {}

    public mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        var count: Int64 = 0
        var previousCR = lastWasCR
        for b in bytes {
            if b == 0x0A && previousCR { count += 1 }
            previousCR = b == 0x0D
        }
        pairs += count
        if !bytes.isEmpty { lastWasCR = previousCR }
    }
}
