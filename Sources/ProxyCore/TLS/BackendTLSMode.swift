/// How a backend control connection uses TLS.
public enum BackendTLSMode: Equatable, Sendable {
    /// Clear text.
    case none
    /// `AUTH TLS` after the banner. `required`: a refusal fails the backend
    /// (ProxyTLSEngine on, ftps:// URLs); otherwise the session goes on in
    /// clear (ProxyTLSEngine auto). Once the backend accepted AUTH TLS, a
    /// failed handshake always fails: never a downgrade.
    case explicit(required: Bool)
    /// TLS from the first byte: ftps:// on port 990.
    case implicit

    public static let implicitPort: UInt16 = 990

    /// The mode for a backend URL under ProxyTLSEngine; nil when the URL
    /// cannot be used (ftps:// with the engine off: TLS is required there).
    public static func decide(engine: TLSEngineMode, url: BackendURL, clientUsesTLS: Bool) -> BackendTLSMode? {
        switch url.scheme {
        case .ftps:
            guard engine != .off else { return nil }
            return url.port == implicitPort ? .implicit : .explicit(required: true)
        case .ftp:
            switch engine {
            case .off: return BackendTLSMode.none
            case .on: return .explicit(required: true)
            case .auto: return .explicit(required: false)
            case .matchClient: return clientUsesTLS ? .explicit(required: true) : BackendTLSMode.none
            }
        default:
            return nil
        }
    }

    public var usesTLS: Bool { self != .none }
}

extension TLSProtocols {
    /// The configured protocols as OpenSSL takes them: the lowest and the
    /// highest version, and the ones between them that are left out (each
    /// turned off by its own option). nil for an empty set.
    public var versionSpan: (lowest: TLSProtocols, highest: TLSProtocols, gaps: [TLSProtocols])? {
        let ordered = Self.names.map(\.value)
        let included = ordered.filter { contains($0) }
        guard let lowest = included.first, let highest = included.last,
              let from = ordered.firstIndex(of: lowest), let to = ordered.firstIndex(of: highest) else { return nil }
        let gaps = ordered[from...to].filter { !contains($0) }
        return (lowest, highest, gaps)
    }
}
