/// SSH_MSG_EXT_INFO (RFC 8308): extension names and values. We read
/// server-sig-algs (which signature algorithms the server accepts for
/// user authentication) and keep the rest by name.
public struct ExtInfo: Equatable, Sendable {
    public var extensions: [(name: String, value: [UInt8])]

    public var serverSignatureAlgorithms: [String]? {
        guard let v = extensions.first(where: { $0.name == "server-sig-algs" })?.value else { return nil }
        return String(decoding: v, as: UTF8.self).split(separator: ",").map(String.init)
    }

    public static func == (a: ExtInfo, b: ExtInfo) -> Bool {
        a.extensions.map(\.name) == b.extensions.map(\.name) && a.extensions.map(\.value) == b.extensions.map(\.value)
    }

    public static func decode(_ payload: [UInt8]) throws -> ExtInfo {
        var r = SSHReader(payload)
        _ = try r.byte("message number")
        let count = try r.uint32("EXT_INFO count")
        // Each extension takes at least 8 bytes: a count beyond that is a lie.
        guard Int(count) <= r.remaining / 8 else {
            throw SSHWireError(field: "EXT_INFO count", problem: "\(count) extensions cannot fit in \(r.remaining) bytes")
        }
        var list: [(String, [UInt8])] = []
        for _ in 0..<count {
            list.append((try r.text("extension name", limit: 256), try r.string("extension value", limit: 64 * 1024)))
        }
        return ExtInfo(extensions: list)
    }
}
