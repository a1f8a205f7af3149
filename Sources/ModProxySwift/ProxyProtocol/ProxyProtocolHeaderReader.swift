import CProFTPD
import Glibc
import ProxyCore

/// Reads a PROXY protocol header from the raw client socket, before mod_tls
/// or mod_sftp see a byte: it reads exactly as many bytes as the decoder
/// asks for, so nothing after the header is consumed. Bounded by
/// ProxyProtocolTimeout; EOF, slowness and garbage become typed errors.
struct ProxyProtocolHeaderReader {
    enum Failure: Error, CustomStringConvertible {
        case timedOut(received: Int, seconds: Int)
        case invalid(ProxyProtocolError)
        case readFailed(Int32)

        var description: String {
            switch self {
            case .timedOut(let received, let seconds):
                return "timed out after \(seconds)s waiting for the PROXY header (\(received) bytes received)"
            case .invalid(let error):
                return "\(error)"
            case .readFailed(let code):
                return "error reading the PROXY header: \(errnoText(code))"
            }
        }
    }

    let fd: Int32
    let accepting: ProxyProtocolVersion
    let timeoutSeconds: Int

    func read() throws -> ProxyProtocolHeader {
        let deadline = Deadline.after(seconds: timeoutSeconds)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        while true {
            switch ProxyProtocolHeaderDecoder.decode(bytes, accepting: accepting) {
            case .complete(let header, _):
                return header
            case .invalid(let error):
                throw Failure.invalid(error)
            case .needMore(let count):
                var chunk = [UInt8](repeating: 0, count: max(count, 1))
                let n = try receive(into: &chunk, deadline: deadline, received: bytes.count)
                if n == 0 {
                    let error = ProxyProtocolHeaderDecoder.errorAtEndOfStream(bytes, accepting: accepting)
                        ?? .truncated(received: bytes.count, expected: accepting)
                    throw Failure.invalid(error)
                }
                bytes.append(contentsOf: chunk[0..<n])
            }
        }
    }

    private func receive(into chunk: inout [UInt8], deadline: Deadline, received: Int) throws -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n >= 0 { return n }
            if errno == EINTR { pr_signals_handle(); continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw Failure.readFailed(errno) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, deadline.pollTimeout)
            if rc == 0 { throw Failure.timedOut(received: received, seconds: timeoutSeconds) }
            if rc < 0 && errno != EINTR { throw Failure.readFailed(errno) }
            if rc < 0 { pr_signals_handle() }
        }
    }
}
