/// SSH_MSG_KEXINIT (RFC 4253 section 7.1): each side's algorithm lists.
public struct KexInit: Equatable, Sendable {
    public var cookie: [UInt8]
    public var kexAlgorithms: [String]
    public var hostKeyAlgorithms: [String]
    public var ciphersClientToServer: [String]
    public var ciphersServerToClient: [String]
    public var macsClientToServer: [String]
    public var macsServerToClient: [String]
    public var compressionClientToServer: [String]
    public var compressionServerToClient: [String]
    public var languagesClientToServer: [String] = []
    public var languagesServerToClient: [String] = []
    public var firstKexPacketFollows = false

    public init(cookie: [UInt8], kexAlgorithms: [String], hostKeyAlgorithms: [String],
                ciphers: [String], macs: [String], compression: [String]) {
        self.cookie = cookie
        self.kexAlgorithms = kexAlgorithms
        self.hostKeyAlgorithms = hostKeyAlgorithms
        ciphersClientToServer = ciphers
        ciphersServerToClient = ciphers
        macsClientToServer = macs
        macsServerToClient = macs
        compressionClientToServer = compression
        compressionServerToClient = compression
    }

    /// The whole payload, message number included (it goes into the exchange hash as is).
    public func encoded() -> [UInt8] {
        var w = SSHWriter(capacity: 512)
        w.byte(SSHMessage.kexInit)
        w.raw(cookie)
        for list in [kexAlgorithms, hostKeyAlgorithms, ciphersClientToServer, ciphersServerToClient,
                     macsClientToServer, macsServerToClient, compressionClientToServer,
                     compressionServerToClient, languagesClientToServer, languagesServerToClient] {
            w.nameList(list)
        }
        w.boolean(firstKexPacketFollows)
        w.uint32(0)
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws -> KexInit {
        var r = SSHReader(payload)
        guard try r.byte("message number") == SSHMessage.kexInit else {
            throw SSHWireError(field: "KEXINIT", problem: "is not message 20")
        }
        let cookie = try r.raw(16, "KEXINIT cookie")
        var k = KexInit(cookie: cookie, kexAlgorithms: try r.nameList("kex_algorithms"),
                        hostKeyAlgorithms: try r.nameList("server_host_key_algorithms"),
                        ciphers: [], macs: [], compression: [])
        k.ciphersClientToServer = try r.nameList("encryption_algorithms_client_to_server")
        k.ciphersServerToClient = try r.nameList("encryption_algorithms_server_to_client")
        k.macsClientToServer = try r.nameList("mac_algorithms_client_to_server")
        k.macsServerToClient = try r.nameList("mac_algorithms_server_to_client")
        k.compressionClientToServer = try r.nameList("compression_algorithms_client_to_server")
        k.compressionServerToClient = try r.nameList("compression_algorithms_server_to_client")
        k.languagesClientToServer = try r.nameList("languages_client_to_server")
        k.languagesServerToClient = try r.nameList("languages_server_to_client")
        k.firstKexPacketFollows = try r.boolean("first_kex_packet_follows")
        _ = try r.uint32("KEXINIT reserved")
        // Trailing bytes are tolerated, as OpenSSH does (future extensions).
        return k
    }
}
