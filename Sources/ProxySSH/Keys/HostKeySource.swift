import Glibc

/// One ProxySFTPHostKey value: a key file, or "agent:/path/to/socket" for
/// every usable key an ssh-agent holds.
public enum HostKeySource: Equatable {
    case file(String)
    case agent(socketPath: String)

    public init(directiveValue value: String) {
        if value.hasPrefix("agent:") {
            self = .agent(socketPath: String(value.dropFirst("agent:".count)))
        } else {
            self = .file(value)
        }
    }

    /// The keys this source provides. An encrypted file's passphrase comes
    /// from `provider` (run with `serverName:port` and the path).
    public func load(provider: PassPhraseProvider?, serverName: String, port: Int) throws -> [SSHSigningKey] {
        switch self {
        case .agent(let path):
            let keys = try AgentKey.keys(agentSocket: path)
            guard !keys.isEmpty else { throw PrivateKeyError("the agent at \(path) holds no RSA, ECDSA or Ed25519 key") }
            return keys
        case .file(let path):
            let text = try Self.readText(path)
            do {
                var passphrase: [UInt8]?
                if try PrivateKeyFile.isEncrypted(text) {
                    guard let provider else {
                        throw PrivateKeyError("the key is encrypted and no ProxySFTPPassPhraseProvider is configured")
                    }
                    passphrase = try provider.passphrase(serverName: serverName, port: port, keyFile: path)
                }
                return [try PrivateKeyFile.load(text: text, passphrase: passphrase)]
            } catch let e as PrivateKeyError {
                throw PrivateKeyError("\(path): \(e.message)")
            }
        }
    }

    /// A key file's text (at most 1 MiB).
    static func readText(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PrivateKeyError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw PrivateKeyError("\(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            bytes += buf[0..<n]
            guard bytes.count <= 1 << 20 else { throw PrivateKeyError("\(path): over 1 MiB, not a key file") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
