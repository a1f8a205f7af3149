import CProFTPD
import Glibc
import ProxyCore

/// The FTP control connection to the backend server: a transport (plain TCP,
/// or TLS once negotiated), a read buffer, and the reply parser. Replies are
/// read with deadlines so a silent backend never hangs the session.
final class BackendControlChannel {
    /// Replaced when the connection is upgraded (AUTH TLS).
    var transport: ByteTransport
    let address: SocketAddress
    private var parser = FTPReplyParser()
    private var pending: [FTPReply] = []
    private var readBuffer = [UInt8](repeating: 0, count: 16 * 1024)
    /// Replies the backend still owes for exchanges we gave up waiting on
    /// (e.g. a final transfer reply after ProxyTimeoutLinger): skipped before
    /// the next command so replies never get out of step.
    var ledger = ReplyLedger()

    init(transport: ByteTransport, address: SocketAddress) {
        self.transport = transport
        self.address = address
    }

    var fd: Int32 { transport.fd }

    /// Sends one command line (CRLF added). Never log `line` for PASS.
    func send(_ line: String, deadline: Deadline = .after(seconds: 30)) throws {
        try skipOwedReplies()
        var bytes = Array(line.utf8)
        bytes.append(13); bytes.append(10)
        try transport.writeAll(bytes, deadline: deadline)
    }

    /// Sends raw bytes (e.g. a PROXY protocol header) before any FTP exchange.
    func sendRaw(_ bytes: [UInt8], deadline: Deadline) throws {
        try transport.writeAll(bytes, deadline: deadline)
    }

    /// The next complete reply. Throws on EOF, timeout, or a malformed or
    /// oversized reply (FTPReplyError; after one, every read throws it at
    /// once: the stream cannot be trusted any more).
    func readReply(deadline: Deadline) throws -> FTPReply {
        if pending.isEmpty, let error = parser.error { throw error }
        while pending.isEmpty {
            let n = try readBuffer.withUnsafeMutableBytes { try transport.read(into: $0, deadline: deadline) }
            if n == 0 { throw BackendClosed() }
            pending.append(contentsOf: try parser.feed(readBuffer[0..<n]))
        }
        return pending.removeFirst()
    }

    /// Sends a command and returns its first reply (for transfer commands
    /// that is the 1xx mark; the caller reads the final reply itself).
    func exchange(_ line: String, deadline: Deadline) throws -> FTPReply {
        try send(line, deadline: deadline)
        return try readReply(deadline: deadline)
    }

    /// True when the backend has sent something we have not asked for
    /// (e.g. "421 Idle timeout") or closed the connection.
    func hasUnsolicitedInput() -> Bool {
        !pending.isEmpty || transport.hasPendingInput
    }

    private func skipOwedReplies() throws {
        while ledger.settleNext() {
            _ = try readReply(deadline: .after(seconds: 5))
        }
    }

    func close() { transport.close() }
}

struct BackendClosed: Error, CustomStringConvertible {
    var description: String { "backend closed the control connection" }
}
