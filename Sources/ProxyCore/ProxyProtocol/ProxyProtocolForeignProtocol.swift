/// What a non-PROXY opening looks like, so the log says "got a TLS
/// ClientHello" instead of only "bad signature". Judged on the first few
/// bytes only (the decoder's decision point), never more.
public enum ProxyProtocolForeignProtocol: Equatable, Sendable {
    /// TLS (or SSLv2-compatible) handshake record: implicit FTPS client, or a
    /// proxy in front that does not send PROXY headers.
    case tlsHandshake
    /// "SSH-" banner: an SFTP client reached the port directly.
    case sshBanner
    /// An FTP command verb ("USER", "AUTH", ...), upper-cased.
    case ftpCommand(String)
    /// An HTTP request method.
    case httpRequest(String)
    /// A well-formed v1 opening where only v2 is accepted.
    case proxyV1
    /// A v2 signature where only v1 is accepted.
    case proxyV2
    /// "proxy " in another letter case, or "PROXY" without the single space.
    case nonCanonicalProxyV1

    static let httpMethods = ["GET ", "POST ", "HEAD ", "PUT ", "PATCH ", "DELETE", "OPTION", "CONNEC"]

    /// Classifies up to the first 6 bytes; nil when nothing is recognised.
    static func sniff(_ input: ArraySlice<UInt8>) -> ProxyProtocolForeignProtocol? {
        let bytes = Array(input.prefix(6))
        if bytes.count >= 6, bytes == ProxyProtocolHeaderDecoder.v1Prefix { return .proxyV1 }
        if bytes.count >= 6, bytes[...] == ProxyProtocolHeaderDecoder.v2Signature.prefix(6) { return .proxyV2 }
        if bytes.count >= 3, bytes[0] == 0x16, bytes[1] == 0x03, bytes[2] <= 0x04 { return .tlsHandshake }
        if bytes.count >= 4, bytes[0] & 0x80 != 0, bytes[2] == 0x01, bytes[3] == 0x00 || bytes[3] == 0x03 {
            return .tlsHandshake
        }
        if bytes.starts(with: Array("SSH-".utf8)) { return .sshBanner }
        // Needs all 6 bytes: a connection closed after exactly "PROXY" is
        // merely truncated, not malformed.
        if bytes.count >= 6, bytes.prefix(5).map(asciiUppercased) == Array("PROXY".utf8) {
            return .nonCanonicalProxyV1
        }
        for method in httpMethods where bytes.starts(with: Array(method.utf8)) {
            return .httpRequest(String(method.prefix { $0 != " " }))
        }
        return ftpVerb(bytes).map { .ftpCommand($0) }
    }

    /// 3 or 4 ASCII letters followed by a space or CR, e.g. "USER ", "FEAT\r".
    private static func ftpVerb(_ bytes: [UInt8]) -> String? {
        let letters = bytes.prefix { isASCIILetter($0) }
        guard letters.count == 3 || letters.count == 4, bytes.count > letters.count else { return nil }
        let next = bytes[letters.count]
        guard next == 0x20 || next == 0x0D else { return nil }
        return String(decoding: letters.map(asciiUppercased), as: UTF8.self)
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func asciiUppercased(_ byte: UInt8) -> UInt8 {
        (0x61...0x7A).contains(byte) ? byte - 0x20 : byte
    }

    var summary: String {
        switch self {
        case .tlsHandshake: return "a TLS ClientHello"
        case .sshBanner: return "an SSH banner"
        case let .ftpCommand(verb): return "an FTP command (\(verb))"
        case let .httpRequest(method): return "an HTTP request (\(method))"
        case .proxyV1: return "a PROXY protocol v1 line"
        case .proxyV2: return "a PROXY protocol v2 signature"
        case .nonCanonicalProxyV1: return "a non-canonical PROXY v1 keyword (must be exactly \"PROXY \")"
        }
    }
}
