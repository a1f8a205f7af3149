import CProFTPD
import CShims
import ProxyCore

/// Replies to the frontend client. Everything goes out at once; after a
/// command's final reply, responses are blocked until the next command (as
/// upstream does), so other modules' handlers for the same command (e.g.
/// mod_auth's POST_CMD PASS "User ... logged in") cannot add a second reply.
/// pr_response_send records the code for ExtendedLog/TransferLog.
enum ClientReplies {
    /// Sends every line now.
    static func sendNow(_ reply: FTPReply) {
        let lines = reply.lines
        for line in lines.dropLast() { mps_response_send_raw(line) }
        if let last = lines.last {
            let (code, text) = split(last, fallback: reply.code)
            mps_response_send(code, text)
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

    /// "226 Transfer complete" -> ("226", "Transfer complete").
    private static func split(_ line: String, fallback: Int) -> (String, String) {
        let utf8 = Array(line.utf8)
        if utf8.count >= 3, utf8[0..<3].allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            let code = String(decoding: utf8[0..<3], as: UTF8.self)
            let text = utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : ""
            return (code, text)
        }
        return (String(fallback), line)
    }
}
