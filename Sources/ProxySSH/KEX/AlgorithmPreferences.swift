/// The client's offer, in preference order. Defaults negotiate with
/// Debian 12's OpenSSH server; ProxySFTPCiphers and friends will restrict
/// and reorder these lists.
public struct AlgorithmPreferences: Equatable, Sendable {
    public var kex: [KexAlgorithm] = KexAlgorithm.defaultOrder
    public var hostKeys: [HostKeyAlgorithm] = HostKeyAlgorithm.defaultOrder
    public var ciphers: [CipherAlgorithm] = CipherAlgorithm.defaultOrder
    public var macs: [MACAlgorithm] = MACAlgorithm.defaultOrder
    /// RFC 8308 `ext-info-c` (ProxySFTPOptions NoExtensionNegotiation turns it off).
    public var offersExtInfo = true
    /// OpenSSH's strict KEX marker (ProxySFTPOptions NoStrictKex turns it off).
    public var offersStrictKex = true
    public var compression: [CompressionAlgorithm] = [.none]

    public init() {}

    /// Our KEXINIT. The ext-info and strict-KEX markers go only into the
    /// first one: they describe the initial exchange.
    func kexInit(initial: Bool) -> KexInit {
        var kexNames = kex.map(\.name)
        if initial && offersExtInfo { kexNames.append(KexAlgorithm.extInfoClient) }
        if initial && offersStrictKex { kexNames.append(KexAlgorithm.strictClient) }
        return KexInit(cookie: SecureRandom.bytes(16), kexAlgorithms: kexNames,
                       hostKeyAlgorithms: hostKeys.map(\.name), ciphers: ciphers.map(\.name),
                       macs: macs.map(\.name), compression: compression.map(\.name))
    }
}
