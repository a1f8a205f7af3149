import CProFTPD
import Glibc
import ProxyCore

/// ProxyTLSPreSharedKey: identities and keys offered to backends that use
/// TLS pre-shared keys. Read (as root) when the context is built, before the
/// daemon forks. The key for the server's identity hint is used, else the
/// first configured.
enum TLSPreSharedKeys {
    private static var byContext: [OpaquePointer: [(identity: String, key: [UInt8])]] = [:]

    static func install(_ settings: [TLSPreSharedKey], on ctx: OpaquePointer) throws {
        guard !settings.isEmpty else { return }
        var keys: [(identity: String, key: [UInt8])] = []
        for entry in settings {
            let bytes = try readFile(entry.keyPath)
            do {
                keys.append((entry.identity, try PreSharedKeyFile.decode(bytes)))
            } catch {
                throw TLSFailure(description: "ProxyTLSPreSharedKey '\(entry.identity)': key file '\(entry.keyPath)': \(error)")
            }
        }
        byContext[ctx] = keys
        SSL_CTX_set_psk_client_callback(ctx, callback)
    }

    static func forget(_ ctx: OpaquePointer) {
        byContext[ctx] = nil
    }

    private static let callback: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?,
                                                  UInt32, UnsafeMutablePointer<UInt8>?, UInt32) -> UInt32 = {
        ssl, hint, identity, maxIdentity, psk, maxPSK in
        guard let ssl, let ctx = SSL_get_SSL_CTX(ssl), let keys = TLSPreSharedKeys.byContext[ctx],
              let identity, let psk else { return 0 }
        let wanted = hint.map { String(cString: $0) }
        guard let chosen = keys.first(where: { $0.identity == wanted }) ?? keys.first else { return 0 }
        let name = Array(chosen.identity.utf8)
        guard name.count < Int(maxIdentity), chosen.key.count <= Int(maxPSK) else { return 0 }
        name.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(identity).copyMemory(from: raw.baseAddress!, byteCount: name.count)
        }
        identity[name.count] = 0
        chosen.key.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(psk).copyMemory(from: raw.baseAddress!, byteCount: chosen.key.count)
        }
        return UInt32(chosen.key.count)
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "r") else {
            throw TLSFailure(description: "ProxyTLSPreSharedKey: unable to read '\(path)': \(errnoText(errno))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 64 * 1024 {
            let n = fread(&chunk, 1, chunk.count, file)
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
}
