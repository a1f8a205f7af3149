/// Blowfish's state (P-array and S-boxes) with the two key-schedule steps
/// bcrypt uses: `expand(data:key:)` (salted) and `expand(key:)`. A class over
/// one raw buffer: bcrypt_pbkdf runs millions of block encryptions, and
/// bounds-checked array access would make a 16-round key take seconds.
final class EksBlowfish {
    private static let words = 18 + 4 * 256
    private let state: UnsafeMutablePointer<UInt32>

    init() {
        state = .allocate(capacity: Self.words)
        BlowfishPiDigits.words.withUnsafeBufferPointer { state.initialize(from: $0.baseAddress!, count: Self.words) }
    }

    deinit { state.deallocate() }

    @inline(__always) private func f(_ x: UInt32) -> UInt32 {
        let s = state + 18
        return ((s[Int(x >> 24)] &+ s[256 + Int((x >> 16) & 0xff)]) ^ s[512 + Int((x >> 8) & 0xff)]) &+ s[768 + Int(x & 0xff)]
    }

    func encrypt(_ left: UInt32, _ right: UInt32) -> (UInt32, UInt32) {
        var l = left ^ state[0], r = right
        var i = 1
        while i < 17 {
            r ^= f(l) ^ state[i]
            l ^= f(r) ^ state[i + 1]
            i += 2
        }
        return (r ^ state[17], l)
    }

    /// Big-endian words of `bytes`, cycling over them (Blowfish's stream2word).
    private struct Cycle {
        let bytes: [UInt8]
        var at = 0
        mutating func next() -> UInt32 {
            var w: UInt32 = 0
            for _ in 0..<4 {
                w = w << 8 | UInt32(bytes[at])
                at = at + 1 == bytes.count ? 0 : at + 1
            }
            return w
        }
    }

    /// The salted key schedule: P ^= key, then every state word pair
    /// replaced by encryptions chained with `data`.
    func expand(data: [UInt8], key: [UInt8]) {
        var k = Cycle(bytes: key)
        for i in 0..<18 { state[i] ^= k.next() }
        var d = Cycle(bytes: data)
        var l: UInt32 = 0, r: UInt32 = 0
        var i = 0
        while i < Self.words {
            l ^= d.next()
            r ^= d.next()
            (l, r) = encrypt(l, r)
            state[i] = l
            state[i + 1] = r
            i += 2
        }
    }

    /// Blowfish's plain key schedule (no salt).
    func expand(key: [UInt8]) {
        var k = Cycle(bytes: key)
        for i in 0..<18 { state[i] ^= k.next() }
        var l: UInt32 = 0, r: UInt32 = 0
        var i = 0
        while i < Self.words {
            (l, r) = encrypt(l, r)
            state[i] = l
            state[i + 1] = r
            i += 2
        }
    }

    static func bigEndianWords(_ bytes: [UInt8]) -> [UInt32] {
        var c = Cycle(bytes: bytes)
        return (0..<bytes.count / 4).map { _ in c.next() }
    }
}
