import ProxyCore

extension FTPReply {
    /// The reply with `text` replaced in its messages: a backend URL's own
    /// user name must not show through to the client.
    func replacingText(_ text: String, with replacement: String) -> FTPReply {
        guard !text.isEmpty, lines.contains(where: { $0.contains(text) }) else { return self }
        let messages = messageLines.map { $0.replacing(text, with: replacement) }
        return (try? FTPReply(code: code, messages: messages)) ?? self
    }
}
