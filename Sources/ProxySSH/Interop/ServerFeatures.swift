/// What a backend SSH server is known to handle, as upstream's interop
/// flags name it (mod_proxy's lib/proxy/ssh/interop.h, after mod_sftp's).
/// Every server is assumed to handle all of them unless its version is in
/// `KnownServerVersion.table`; ProxySFTPServerMatch adds `pessimisticNewkeys`.
public struct ServerFeatures: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// It takes SSH_MSG_IGNORE (we never send one toward a backend).
    public static let ignoreMessage = ServerFeatures(rawValue: 0x0001)
    /// Its HMAC keys are the digest's length (without it: 16 bytes).
    public static let fullMACKeyLength = ServerFeatures(rawValue: 0x0002)
    /// It hashes K into the derived cipher keys.
    public static let cipherKeysUseK = ServerFeatures(rawValue: 0x0004)
    /// It takes a rekey we start (without it we start none; its own rekeys are answered).
    public static let rekeying = ServerFeatures(rawValue: 0x0008)
    /// It may send USERAUTH_BANNER (nothing to change on our side).
    public static let userauthBanner = ServerFeatures(rawValue: 0x0010)
    /// Publickey requests name the algorithm (we never log in by publickey).
    public static let publicKeyAlgorithm = ServerFeatures(rawValue: 0x0020)
    /// Publickey signatures cover the request's service (we never log in by publickey).
    public static let serviceInPublicKeySignature = ServerFeatures(rawValue: 0x0040)
    /// Its ssh-dss signatures start with the string "ssh-dss".
    public static let algorithmInDSASignature = ServerFeatures(rawValue: 0x0080)
    /// It checks hostbased signatures over the request's service (without
    /// it: over "ssh-userauth" whatever the request says).
    public static let serviceInHostbasedSignature = ServerFeatures(rawValue: 0x0100)
    /// Our NEWKEYS waits for its (set by ProxySFTPServerMatch, never by the table).
    public static let pessimisticNewkeys = ServerFeatures(rawValue: 0x0200)
    /// It can take no data while a rekey runs (our transport queues it always).
    public static let noDataWhileRekeying = ServerFeatures(rawValue: 0x0400)
    /// It knows RFC 4419's KEX_DH_GEX_REQUEST (without it: the old request, message 30).
    public static let newGroupExchangeRequest = ServerFeatures(rawValue: 0x0800)

    /// Upstream's default: everything but pessimisticNewkeys.
    public static let standard: ServerFeatures = [
        .ignoreMessage, .fullMACKeyLength, .cipherKeysUseK, .rekeying, .userauthBanner,
        .publicKeyAlgorithm, .serviceInHostbasedSignature, .serviceInPublicKeySignature,
        .algorithmInDSASignature, .noDataWhileRekeying, .newGroupExchangeRequest,
    ]

    /// The flags' names, for the log ("no rekeying, ...").
    public static let names: [(ServerFeatures, String)] = [
        (.ignoreMessage, "IGNORE messages"), (.fullMACKeyLength, "full MAC key length"),
        (.cipherKeysUseK, "K in cipher keys"), (.rekeying, "rekeying"), (.userauthBanner, "userauth banner"),
        (.publicKeyAlgorithm, "publickey algorithm"), (.serviceInPublicKeySignature, "service in publickey signature"),
        (.algorithmInDSASignature, "algorithm in DSA signature"),
        (.serviceInHostbasedSignature, "service in hostbased signature"),
        (.pessimisticNewkeys, "pessimistic NEWKEYS"), (.noDataWhileRekeying, "no data while rekeying"),
        (.newGroupExchangeRequest, "RFC 4419 group exchange request"),
    ]

    /// "no rekeying, no userauth banner" for what `standard` has and this lacks.
    public var missingFromStandard: String {
        Self.names.filter { Self.standard.contains($0.0) && !contains($0.0) }.map { "no " + $0.1 }
            .joined(separator: ", ")
    }
}
