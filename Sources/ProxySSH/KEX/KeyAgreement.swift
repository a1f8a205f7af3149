import COpenSSLCrypto

/// One side's ephemeral key of a key exchange: its public value for
/// KEXDH_INIT, and the shared secret K from the server's public value.
protocol KeyAgreement {
    /// DH methods send e and f as mpints; ECDH and X25519 as strings.
    var publicValueIsMPInt: Bool { get }
    var clientPublic: [UInt8] { get }
    /// K as an unsigned big-endian number (written as an mpint).
    func sharedSecret(serverPublic: [UInt8]) throws -> [UInt8]
}

/// A key exchange that cannot go on: the server's value is unusable.
public struct KeyExchangeError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs EVP_PKEY_derive between our key and the peer's.
func evpDerive(ours: OpaquePointer, peer: OpaquePointer, what: String) throws -> [UInt8] {
    guard let ctx = EVP_PKEY_CTX_new(ours, nil) else { throw CryptoError("\(what): EVP_PKEY_CTX_new") }
    defer { EVP_PKEY_CTX_free(ctx) }
    var length = 0
    guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peer) == 1,
          EVP_PKEY_derive(ctx, nil, &length) == 1 else {
        throw KeyExchangeError("\(what): the server's public value was refused (\(CryptoError("derive")))")
    }
    var secret = [UInt8](repeating: 0, count: length)
    guard EVP_PKEY_derive(ctx, &secret, &length) == 1 else { throw CryptoError("\(what): EVP_PKEY_derive") }
    return Array(secret[0..<length])
}
