import COpenSSLCrypto

/// Random bytes from OpenSSL's CSPRNG (padding, cookies, private keys).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        if count > 0 && RAND_bytes(&out, Int32(count)) != 1 {
            // Without randomness no key is safe; there is nothing sane to go on with.
            fatalError("RAND_bytes failed: \(CryptoError("RAND_bytes"))")
        }
        return out
    }
}
