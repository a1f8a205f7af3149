import CProFTPD
import CShims
import Glibc

/// The bridge to mod_sftp, which owns the client's SSH connection: its
/// HOOKs (packet handler, packet writer, auth-success handler) through the
/// stash, and its session state word through dlsym (mod_dso loads modules
/// globally). Nothing links against mod_sftp.so, so the module still loads
/// without it; a missing piece is one clear error.
enum SFTPFrontend {
    typealias PacketHandler = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias SuccessHandler = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32

    /// mod_sftp's `sftp_sess_state` bits (mod_sftp.h).
    static let haveKex: UInt32 = 0x01
    static let haveAuth: UInt32 = 0x04
    static let rekeying: UInt32 = 0x08

    struct Missing: Error, CustomStringConvertible {
        let what: String
        var description: String { "mod_sftp does not provide \(what)" }
    }

    private static var stateWord: UnsafeMutablePointer<UInt32>?
    private static var writer: UnsafeMutableRawPointer?

    /// At session start: the state word must exist (mod_sftp 1.3.8 and later).
    static func locateState() throws {
        guard let symbol = dlsym(nil, "sftp_sess_state") else { throw Missing(what: "the symbol sftp_sess_state") }
        stateWord = symbol.assumingMemoryBound(to: UInt32.self)
    }

    static var state: UInt32 { stateWord?.pointee ?? 0 }

    /// Backend packets may go to the client now: keys in use, no key exchange under way.
    static var acceptsWrites: Bool { state & haveKex != 0 && state & rekeying == 0 }

    /// At the first `mod_sftp.ssh2.kex.completed` (mod_sftp resets both
    /// handlers in its command loop, after every module's session init).
    static func install(packetHandler: PacketHandler, successHandler: SuccessHandler?) throws {
        let pool = make_sub_pool(session.pool)
        defer { destroy_pool(pool) }
        var found: Int32 = 0
        _ = mps_sftp_call_hook(pool, "sftp_set_packet_handler", unsafeBitCast(packetHandler, to: UnsafeMutableRawPointer.self), &found)
        guard found != 0 else { throw Missing(what: "the hook sftp_set_packet_handler") }
        if writer == nil {
            writer = mps_sftp_call_hook(pool, "sftp_get_packet_write", nil, &found)
            guard writer != nil else { throw Missing(what: "the hook sftp_get_packet_write") }
        }
        if let successHandler {
            _ = mps_sftp_call_hook(pool, "sftp_set_auth_success_handler",
                                   unsafeBitCast(successHandler, to: UnsafeMutableRawPointer.self), &found)
            guard found != 0 else { throw Missing(what: "the hook sftp_set_auth_success_handler") }
        }
    }

    /// Writes one payload (message number first) to the client, encrypted by mod_sftp.
    static func write(_ payload: [UInt8]) throws {
        guard let writer, let conn = session.c else { throw Missing(what: "a packet writer") }
        let rc = payload.withUnsafeBufferPointer {
            mps_sftp_write_payload(writer, conn.pointee.wfd, $0.baseAddress, UInt32($0.count))
        }
        if rc < 0 { throw SystemError("writing to the SSH client") }
    }

    /// The payload of a packet mod_sftp handed to the packet handler.
    static func payload(of packet: UnsafeMutableRawPointer) -> [UInt8] {
        var length: UInt32 = 0
        guard let bytes = mps_sftp_packet_payload(packet, &length), length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: Int(length)))
    }

    /// SSH_MSG_DISCONNECT (RFC 4253 section 11.1) to the client, if it can still be written.
    static func disconnect(code: UInt32, reason: String) {
        var payload: [UInt8] = [1]
        for shift in stride(from: 24, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: code >> UInt32(shift))) }
        let text = Array(reason.utf8.prefix(512))
        let n = UInt32(text.count)
        for shift in stride(from: 24, through: 0, by: -8) { payload.append(UInt8(truncatingIfNeeded: n >> UInt32(shift))) }
        payload += text + [0, 0, 0, 0]
        if stateWord == nil || state & haveKex != 0 { try? write(payload) }
    }
}

extension SFTPFrontend {
    /// Registers mod_proxy's keyboard-interactive driver with mod_sftp.
    static func registerKeyboardInteractiveDriver() throws {
        if mps_kbdint_register() < 0 { throw Missing(what: "sftp_kbdint_register_driver") }
    }

    /// One round of the backend's prompts shown to the client by mod_sftp;
    /// the client's answers, or nil when it gave none (or another count).
    static func askClient(name: String, instruction: String, prompts: [(text: String, echo: Bool)]) -> [String]? {
        let pool = make_sub_pool(session.pool)
        defer { destroy_pool(pool) }
        let texts = prompts.map { strdup($0.text) }
        defer { texts.forEach { free($0) } }
        var promptPointers: [UnsafePointer<CChar>?] = texts.map { UnsafePointer($0) }
        let echo: [CChar] = prompts.map { $0.echo ? 1 : 0 }
        var count: UInt32 = 0
        var answers: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        let rc = promptPointers.withUnsafeMutableBufferPointer { promptBuffer in
            echo.withUnsafeBufferPointer { echoBuffer in
                mps_kbdint_exchange(pool, name, instruction, UInt32(prompts.count), promptBuffer.baseAddress,
                                    echoBuffer.baseAddress, &count, &answers)
            }
        }
        guard rc >= 0, Int(count) == prompts.count else { return nil }
        return (0..<Int(count)).map { i in answers?[i].map { String(cString: $0) } ?? "" }
    }
}
