/// What both sides agreed on for one key exchange.
public struct NegotiatedAlgorithms: Equatable, Sendable {
    public let kex: KexAlgorithm
    public let hostKey: HostKeyAlgorithm
    public let cipherClientToServer: CipherAlgorithm
    public let cipherServerToClient: CipherAlgorithm
    /// nil for an AEAD cipher (its tag is the MAC).
    public let macClientToServer: MACAlgorithm?
    public let macServerToClient: MACAlgorithm?
    public var compressionClientToServer: CompressionAlgorithm = .none
    public var compressionServerToClient: CompressionAlgorithm = .none
    /// The server's first_kex_packet_follows guess was wrong: its next KEX packet is dropped.
    public let ignoreGuessedPacket: Bool
}

/// No algorithm in common for one category: the message names both lists,
/// so a configuration mismatch is readable in the log.
public struct NegotiationError: Error, Equatable, CustomStringConvertible {
    public let category: String
    public let client: [String]
    public let server: [String]

    public var description: String {
        "no matching \(category): we offer \(client.joined(separator: ",")); the server offers \(server.joined(separator: ","))"
    }
}

/// RFC 4253 section 7.1: for each category the first algorithm on the
/// client's list that the server also lists.
public enum AlgorithmNegotiation {
    static func first(_ category: String, client: [String], server: [String]) throws -> String {
        let offered = Set(server)
        guard let hit = client.first(where: { offered.contains($0) }) else {
            throw NegotiationError(category: category, client: client, server: server)
        }
        return hit
    }

    public static func negotiate(client: KexInit, server: KexInit) throws -> NegotiatedAlgorithms {
        let kexName = try first("key exchange method", client: client.kexAlgorithms.filter { KexAlgorithm(rawValue: $0) != nil },
                                server: server.kexAlgorithms)
        let hostKeyName = try first("host key algorithm", client: client.hostKeyAlgorithms, server: server.hostKeyAlgorithms)
        let c2s = try first("cipher (client to server)", client: client.ciphersClientToServer, server: server.ciphersClientToServer)
        let s2c = try first("cipher (server to client)", client: client.ciphersServerToClient, server: server.ciphersServerToClient)
        guard let kex = KexAlgorithm(rawValue: kexName), let hostKey = HostKeyAlgorithm(rawValue: hostKeyName),
              let cipherC2S = CipherAlgorithm(rawValue: c2s), let cipherS2C = CipherAlgorithm(rawValue: s2c) else {
            throw NegotiationError(category: "algorithm this transport implements", client: [kexName, hostKeyName, c2s, s2c], server: [])
        }
        func mac(_ cipher: CipherAlgorithm, _ dir: String, _ ours: [String], _ theirs: [String]) throws -> MACAlgorithm? {
            if cipher.isAEAD { return nil }
            let name = try first("MAC (\(dir))", client: ours, server: theirs)
            guard let m = MACAlgorithm(rawValue: name) else {
                throw NegotiationError(category: "MAC this transport implements", client: [name], server: [])
            }
            return m
        }
        let macC2S = try mac(cipherC2S, "client to server", client.macsClientToServer, server.macsClientToServer)
        let macS2C = try mac(cipherS2C, "server to client", client.macsServerToClient, server.macsServerToClient)
        let compC2S = try first("compression (client to server)", client: client.compressionClientToServer, server: server.compressionClientToServer)
        let compS2C = try first("compression (server to client)", client: client.compressionServerToClient, server: server.compressionServerToClient)
        guard let compressionC2S = CompressionAlgorithm(rawValue: compC2S), let compressionS2C = CompressionAlgorithm(rawValue: compS2C) else {
            throw NegotiationError(category: "compression this transport implements", client: [compC2S, compS2C], server: [])
        }
        // The server guessed right only if its first choices are the agreed ones.
        let guessWrong = server.firstKexPacketFollows
            && (server.kexAlgorithms.first != kexName || server.hostKeyAlgorithms.first != hostKeyName)
        var agreed = NegotiatedAlgorithms(kex: kex, hostKey: hostKey, cipherClientToServer: cipherC2S,
                                          cipherServerToClient: cipherS2C, macClientToServer: macC2S,
                                          macServerToClient: macS2C, ignoreGuessedPacket: guessWrong)
        agreed.compressionClientToServer = compressionC2S
        agreed.compressionServerToClient = compressionS2C
        return agreed
    }
}
