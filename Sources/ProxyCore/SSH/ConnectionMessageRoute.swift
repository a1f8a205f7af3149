/// Which SSH messages the reverse SSH relay carries between mod_sftp's
/// client connection and the backend, and which stay where they are.
/// The relay carries the connection layer (RFC 4254: global requests and
/// channels) verbatim; transport and user-auth messages belong to each
/// side's own transport (mod_sftp in front, `SSHClientTransport` behind).
public enum ConnectionMessageRoute {
    /// RFC 4250 section 4.1.2: 80-127 are the connection protocol's numbers.
    public static let connectionLayer: ClosedRange<UInt8> = 80...127

    /// OpenSSH's host-key rotation announcement: about the backend's keys,
    /// which the client never sees (it talks to the proxy's).
    public static let hostKeysAnnouncement = "hostkeys-00@openssh.com"

    /// A decrypted client packet: true when it goes to the backend, false
    /// when mod_sftp keeps it (anything before the login, and every
    /// transport or user-auth message).
    public static func frontendPacketGoesToBackend(_ payload: [UInt8], loggedIn: Bool) -> Bool {
        guard loggedIn, let message = payload.first else { return false }
        return connectionLayer.contains(message)
    }

    /// What to do with a backend packet after the login.
    public enum BackendPacket: Equatable {
        /// Write it to the client unchanged.
        case relay
        /// Answer the backend with this payload (nil: no answer) and keep it from the client.
        case answer([UInt8]?)
        /// Not a connection-layer message: a protocol error from the backend.
        case refuse(String)
    }

    public static func backendPacket(_ payload: [UInt8]) -> BackendPacket {
        guard let message = payload.first else { return .refuse("an empty packet") }
        guard connectionLayer.contains(message) else {
            return .refuse("message \(message) after the login (only connection-layer messages 80-127 are relayed)")
        }
        if message == ConnectionMessage.globalRequest,
           let header = ConnectionMessage.requestHeader(payload, afterFixed: 1),
           header.name.elementsEqual(hostKeysAnnouncement.utf8) {
            return .answer(header.wantReply ? [ConnectionMessage.requestFailure] : nil)
        }
        return .relay
    }
}
