import CProFTPD
import CShims
import ProxyCore

/// Replies to the frontend client. Everything goes out at once; after a
/// command's final reply, responses are blocked until the next command (as
/// upstream does), so other modules' handlers for the same command (e.g.
/// mod_auth's POST_CMD PASS "User ... logged in") cannot add a second reply.
/// pr_response_send records the code for ExtendedLog/TransferLog.
enum ClientReplies {
    /// Sends every line now, byte for byte as the backend sent it (the last
    /// line through pr_response_send, so ProFTPD records the reply code).
    static func sendNow(_ reply: FTPReply) {
        let lines = reply.lineBytes
        for line in lines.dropLast() {
            withCString(line) { mps_response_send_raw($0) }
        }
        guard let last = lines.last else { return }
        let hasCode = last.count >= 3 && last[0..<3].allSatisfy { $0 >= 48 && $0 <= 57 }
        let code = hasCode ? Array(last[0..<3]) : Array(String(reply.code).utf8)
        let text = hasCode ? Array(last.dropFirst(min(4, last.count))) : last
        withCString(code) { c in withCString(text) { t in mps_response_send(c, t) } }
    }

    /// Bytes as a C string (a NUL inside ends it: FTP text never holds one).
    private static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var terminated = bytes
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    static func sendNow(code: String, _ text: String) {
        mps_response_send(code, text)
    }

    /// Sends a command's final reply and blocks further responses until the
    /// next command; returns whether it is an error reply (4xx/5xx).
    @discardableResult
    static func reply(_ reply: FTPReply) -> Bool {
        sendNow(reply)
        _ = pr_response_block(TRUE)
        return reply.code >= 400
    }

    @discardableResult
    static func reply(code: String, _ text: String) -> Bool {
        mps_response_send(code, text)
        _ = pr_response_block(TRUE)
        return code.first == "4" || code.first == "5"
    }
}
