import COpenSSLCrypto

/// CTR mode over a 64-bit block cipher's ECB (3des-ctr, blowfish-ctr,
/// RFC 4344): the keystream is E(counter), the counter a big-endian number
/// of the block size starting at the IV, incremented per block. OpenSSL has
/// no CTR mode for these ciphers, so the counter is kept here.
final class CounterModeCipher: PacketCipher {
    private let ecb: EVPCipherContext
    private var counter: [UInt8]
    private var keystream: [UInt8] = []
    private var used = 0

    init(ecb cipher: OpaquePointer, key: [UInt8], iv: [UInt8], keyLength: Int?) throws {
        ecb = try EVPCipherContext(cipher: cipher, key: key, iv: nil, encrypt: true, keyLength: keyLength)
        counter = iv
    }

    func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        for i in 0..<input.count {
            if used == keystream.count { try nextBlock() }
            output[i] = input[i] ^ keystream[used]
            used += 1
        }
    }

    private func nextBlock() throws {
        var block = counter
        try block.transform(0..<block.count, with: ecb)
        keystream = block
        used = 0
        for i in stride(from: counter.count - 1, through: 0, by: -1) {
            counter[i] &+= 1
            if counter[i] != 0 { break }
        }
    }
}
