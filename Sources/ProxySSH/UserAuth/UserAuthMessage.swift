/// User-authentication message numbers (RFC 4252 section 6).
enum UserAuthMessage {
    static let request: UInt8 = 50
    static let failure: UInt8 = 51
    static let success: UInt8 = 52
    static let banner: UInt8 = 53
}
