/// Payload compression (RFC 4253 section 6.2): one zlib stream per
/// direction for the whole session, flushed at every packet.
public enum CompressionAlgorithm: String, CaseIterable, Sendable {
    case none = "none"
    /// Starts with the first packet after NEWKEYS.
    case zlib = "zlib"
    /// OpenSSH's delayed form: starts only after USERAUTH_SUCCESS, so an
    /// unauthenticated peer never reaches the decompressor.
    case zlibDelayed = "zlib@openssh.com"

    public var name: String { rawValue }

    /// What `ProxySFTPCompression` offers, in order. "none" stays last, so a
    /// server without compression is still spoken to.
    public static func offer(for setting: CompressionSetting) -> [CompressionAlgorithm] {
        switch setting {
        case .off: return [.none]
        case .on: return [.zlib, .none]
        case .delayed: return [.zlibDelayed, .zlib, .none]
        }
    }
}

/// `ProxySFTPCompression on|off|delayed`.
public enum CompressionSetting: String, Sendable {
    case off, on, delayed
}
