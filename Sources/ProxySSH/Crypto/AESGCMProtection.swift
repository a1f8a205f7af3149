import COpenSSLCrypto

/// aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647 as OpenSSH
/// does it): the length in clear as additional data, a 16-byte tag, and a
/// 12-byte IV whose last 8 bytes count packets.
final class AESGCMProtection: PacketProtection {
    let blockSize = 16
    let tagLength = 16
    let lengthOutsideBlocks = true
    let headerLength = 4

    private let cipher: EVPCipherContext
    private var iv: [UInt8]
    private let name: String

    init(name: String, key: [UInt8], iv: [UInt8], encrypt: Bool) throws {
        self.name = name
        let evp: OpaquePointer = key.count == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm()
        cipher = try EVPCipherContext(cipher: evp, key: key, iv: nil, encrypt: encrypt)
        self.iv = Array(iv.prefix(12))
    }

    /// The invocation counter: the IV's last 8 bytes as a big-endian number, plus one.
    private func advanceIV() {
        var i = 11
        while i >= 4 {
            iv[i] &+= 1
            if iv[i] != 0 { break }
            i -= 1
        }
    }

    func seal(_ packet: inout [UInt8], sequence: UInt32) throws {
        try cipher.reset(iv: iv)
        try packet.withUnsafeBytes { try cipher.addAAD(UnsafeRawBufferPointer(rebasing: $0[0..<4])) }
        try packet.transform(4..<packet.count, with: cipher)
        guard cipher.finish() else { throw CryptoError("\(name) seal") }
        var tag = [UInt8](repeating: 0, count: 16)
        guard cipher.control(EVP_CTRL_GCM_GET_TAG, 16, &tag) else { throw CryptoError("\(name) tag") }
        packet.append(contentsOf: tag)
        advanceIV()
    }

    func packetLength(header: [UInt8], sequence: UInt32) throws -> UInt32 {
        readUInt32(header, at: 0)
    }

    func open(_ wire: [UInt8], sequence: UInt32) throws -> [UInt8] {
        let end = wire.count - 16
        try cipher.reset(iv: iv)
        var tag = Array(wire[end...])
        guard cipher.control(EVP_CTRL_GCM_SET_TAG, 16, &tag) else { throw CryptoError("\(name) tag") }
        var clear = Array(wire[0..<end])
        try clear.withUnsafeBytes { try cipher.addAAD(UnsafeRawBufferPointer(rebasing: $0[0..<4])) }
        try clear.transform(4..<end, with: cipher)
        guard cipher.finish() else {
            ERR_clear_error()
            throw PacketIntegrityError.badTag(cipher: name)
        }
        advanceIV()
        return clear
    }
}
