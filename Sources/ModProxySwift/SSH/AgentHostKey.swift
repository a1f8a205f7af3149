import CProFTPD
import Glibc
import ProxySSH

/// `ProxySFTPHostKey agent:<socket>`: the keys an ssh-agent holds sign the
/// proxy's hostbased requests. The agent is reached at session start, as
/// root and before the chroot; its connection stays open for the signing.
final class AgentHostKey: HostbasedSigner {
    let algorithm: HostKeyAlgorithm
    let publicBlob: [UInt8]
    private let agent: TCPSocket

    private init(algorithm: HostKeyAlgorithm, publicBlob: [UInt8], agent: TCPSocket) {
        self.algorithm = algorithm
        self.publicBlob = publicBlob
        self.agent = agent
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The agent's usable keys (Ed25519, ECDSA, RSA), in its order.
    static func keys(socketPath: String) throws -> [AgentHostKey] {
        let agent = try connect(socketPath)
        let blobs = try UserAuthMessages.agentIdentities(try exchange(agent, UserAuthMessages.agentIdentitiesRequest()))
        return blobs.compactMap { blob in
            guard let type = try? ServerHostKey(blob: blob).keyType else { return nil }
            let algorithm: HostKeyAlgorithm? = type == "ssh-rsa" ? .rsaSHA512 : HostKeyAlgorithm(rawValue: type)
            return algorithm.map { AgentHostKey(algorithm: $0, publicBlob: blob, agent: agent) }
        }
    }

    func sign(_ data: [UInt8]) throws -> [UInt8] {
        let request = UserAuthMessages.agentSignRequest(blob: publicBlob, data: data, rsaSHA512: algorithm == .rsaSHA512)
        return try UserAuthMessages.agentSignature(try Self.exchange(agent, request))
    }

    private static func connect(_ path: String) throws -> TCPSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "ssh-agent socket path '\(path)' is empty or too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, __CONST_SOCKADDR_ARG(__sockaddr__: $0), socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw SystemError("connect to ssh-agent \(path)", code)
        }
        return TCPSocket(adopting: fd)
    }

    /// One framed request, one framed answer (at most 256 KiB), within 10 s.
    private static func exchange(_ agent: TCPSocket, _ request: [UInt8]) throws -> [UInt8] {
        let deadline = Deadline.after(seconds: 10)
        try agent.writeAll(request, deadline: deadline)
        let header = try read(agent, count: 4, deadline: deadline)
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= 256 * 1024 else { throw Failure(description: "ssh-agent answered with \(length) bytes") }
        return try read(agent, count: length, deadline: deadline)
    }

    private static func read(_ agent: TCPSocket, count: Int, deadline: Deadline) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: min(count, 65536))
        while out.count < count {
            let wanted = min(buffer.count, count - out.count)
            let n = try buffer.withUnsafeMutableBytes {
                try agent.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted]), deadline: deadline)
            }
            if n == 0 { throw Failure(description: "ssh-agent closed the connection") }
            out += buffer[0..<n]
        }
        return out
    }
}
