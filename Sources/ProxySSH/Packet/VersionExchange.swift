/// The identification-string exchange (RFC 4253 section 4.2): the server
/// may send other lines before its `SSH-2.0-...` line; each line ends in
/// CR LF (a lone LF is accepted, as OpenSSH does). Bounded, so a peer that
/// never sends a version line cannot make us hold unbounded bytes.
/// "SSH-1.99-" (old servers that also speak protocol 1) only when allowed
/// (ProxySFTPOptions OldProtocolCompat), as upstream.
public struct VersionExchange {
    public static let maxLineLength = 255
    public static let maxLinesBeforeVersion = 1024

    private var line: [UInt8] = []
    private var linesSeen = 0
    private let acceptsOldProtocol: Bool

    public init(acceptsOldProtocol: Bool = false) {
        self.acceptsOldProtocol = acceptsOldProtocol
    }

    public enum Outcome: Equatable {
        /// The version line (without CR LF) and how many bytes of the input it used.
        case version(String, consumed: Int)
        case needMore
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case lineTooLong
        case tooManyLines
        case notVersion2(String)
        case oldProtocol(String)
        case noSoftwareVersion(String)
        case badCharacter

        public var description: String {
            switch self {
            case .lineTooLong: return "server identification line is longer than \(VersionExchange.maxLineLength) bytes"
            case .tooManyLines: return "no SSH identification after \(VersionExchange.maxLinesBeforeVersion) lines"
            case .notVersion2(let v): return "server speaks an unsupported protocol version: \(v)"
            case .oldProtocol(let v):
                return "server identifies as protocol 1.99 (\(v)); only OldProtocolCompat accepts that"
            case .noSoftwareVersion(let v): return "server identification has no software version: \(v)"
            case .badCharacter: return "server identification line holds a NUL byte"
            }
        }
    }

    /// Consumes bytes up to and including the version line.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> Outcome {
        var used = 0
        for b in bytes {
            used += 1
            if b == 0x0a {
                if line.last == 0x0d { line.removeLast() }
                let text = String(decoding: line, as: UTF8.self)
                line.removeAll(keepingCapacity: true)
                if text.hasPrefix("SSH-") {
                    let prefix: String
                    if text.hasPrefix("SSH-2.0-") {
                        prefix = "SSH-2.0-"
                    } else if text.hasPrefix("SSH-1.99-") {
                        guard acceptsOldProtocol else { throw Failure.oldProtocol(text) }
                        prefix = "SSH-1.99-"
                    } else {
                        throw Failure.notVersion2(text)
                    }
                    // RFC 4253 4.2: a software version must follow (OpenSSH: "Protocol mismatch").
                    guard text.utf8.count > prefix.utf8.count else { throw Failure.noSoftwareVersion(text) }
                    return .version(text, consumed: used)
                }
                linesSeen += 1
                if linesSeen > Self.maxLinesBeforeVersion { throw Failure.tooManyLines }
                continue
            }
            if b == 0 { throw Failure.badCharacter }
            line.append(b)
            if line.count > Self.maxLineLength { throw Failure.lineTooLong }
        }
        return .needMore
    }
}
