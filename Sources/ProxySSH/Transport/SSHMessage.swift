/// Transport-layer message numbers (RFC 4253 section 12, RFC 8308, RFC 5656).
enum SSHMessage {
    static let disconnect: UInt8 = 1
    static let ignore: UInt8 = 2
    static let unimplemented: UInt8 = 3
    static let debug: UInt8 = 4
    static let serviceRequest: UInt8 = 5
    static let serviceAccept: UInt8 = 6
    static let extInfo: UInt8 = 7
    static let kexInit: UInt8 = 20
    static let newKeys: UInt8 = 21
    /// KEXDH_INIT / KEX_ECDH_INIT (same number for every method we speak).
    static let kexDHInit: UInt8 = 30
    static let kexDHReply: UInt8 = 31
    /// 30...49 are the key-exchange method's own messages.
    static let kexMethodRange: ClosedRange<UInt8> = 30...49
    /// The user-auth layer's success: delayed compression starts after it.
    static let userauthSuccess: UInt8 = 52
}
