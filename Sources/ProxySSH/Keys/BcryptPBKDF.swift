/// bcrypt_pbkdf (OpenBSD), the KDF of encrypted openssh-key-v1 private keys:
/// SHA-512 of the passphrase and of salt+counter fed to "eksblowfish"
/// (Blowfish with an expensive, salted key schedule), `rounds` times per
/// output block, the blocks' bytes interleaved over the key. OpenSSL 3 has no
/// bcrypt, so the Blowfish core is ours (`EksBlowfish`).
public enum BcryptPBKDF {
    /// ssh-keygen's default is 16 (-a); a round costs about 2 ms here, so
    /// this bounds a hostile or mistaken key file's load to about 20 s.
    public static let maxRounds = 10_000

    public static func derive(passphrase: [UInt8], salt: [UInt8], rounds: Int, length: Int) throws -> [UInt8] {
        guard rounds >= 1, rounds <= maxRounds else { throw PrivateKeyError("bcrypt rounds \(rounds) is out of range 1...\(maxRounds)") }
        guard length >= 1, length <= 1024 else { throw PrivateKeyError("bcrypt key length \(length) is out of range 1...1024") }
        guard !salt.isEmpty, salt.count <= 1024 else { throw PrivateKeyError("bcrypt salt of \(salt.count) bytes is unusable") }
        let blockSize = 32
        let stride = (length + blockSize - 1) / blockSize
        var amount = (length + stride - 1) / stride
        let passHash = HashFunction.sha512.hash(passphrase)
        var key = [UInt8](repeating: 0, count: length)
        var left = length
        var count: UInt32 = 1
        while left > 0 {
            let counter: [UInt8] = [UInt8(count >> 24), UInt8(truncatingIfNeeded: count >> 16),
                                    UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
            var block = bcryptHash(passHash: passHash, saltHash: HashFunction.sha512.hash(salt, counter))
            var output = block
            for _ in 1..<rounds {
                block = bcryptHash(passHash: passHash, saltHash: HashFunction.sha512.hash(block))
                for i in 0..<blockSize { output[i] ^= block[i] }
            }
            amount = min(amount, left)
            var used = 0
            while used < amount {
                let dest = used * stride + Int(count - 1)
                if dest >= length { break }
                key[dest] = output[used]
                used += 1
            }
            left -= used
            count += 1
        }
        return key
    }

    /// One 32-byte block: eksblowfish keyed by both hashes, then 64
    /// encryptions of a fixed text, output as little-endian words.
    static func bcryptHash(passHash: [UInt8], saltHash: [UInt8]) -> [UInt8] {
        let state = EksBlowfish()
        state.expand(data: saltHash, key: passHash)
        for _ in 0..<64 {
            state.expand(key: saltHash)
            state.expand(key: passHash)
        }
        var words = EksBlowfish.bigEndianWords(Array("OxychromaticBlowfishSwatDynamite".utf8))
        for _ in 0..<64 {
            for b in 0..<4 { (words[2 * b], words[2 * b + 1]) = state.encrypt(words[2 * b], words[2 * b + 1]) }
        }
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in words {
            out += [UInt8(truncatingIfNeeded: w), UInt8(truncatingIfNeeded: w >> 8),
                    UInt8(truncatingIfNeeded: w >> 16), UInt8(truncatingIfNeeded: w >> 24)]
        }
        return out
    }
}
