/// Base64 (RFC 4648) without padding, as OpenSSH prints SHA256 fingerprints.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encodeUnpadded(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = bytes[i], b1 = n > 1 ? bytes[i + 1] : 0, b2 = n > 2 ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            if n > 1 { out.append(alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)]) }
            if n > 2 { out.append(alphabet[Int(b2 & 0x3f)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
