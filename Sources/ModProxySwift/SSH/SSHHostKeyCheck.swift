import ProxyCore
import ProxySSH
import ProxyStore

/// ProxySFTPVerifyServer: a backend's host key is recorded in the SSH host
/// key store (`proxy-ssh.db`, or Redis with ProxyDatastore Redis) the first
/// time it is seen; a different key later refuses
/// the session when VerifyServer is on (upstream only logs it) and is
/// logged and recorded when it is off.
struct SSHHostKeyCheck {
    let store: SSHHostKeyStore?
    let vhostID: Int
    let verify: Bool

    /// Why the key is refused, or nil to go on.
    func refusal(for key: ServerHostKey, backend: BackendURL) -> String? {
        let seen = SSHHostKey(algorithm: key.keyType, base64: Self.base64(key.blob))
        guard let store else {
            if verify {
                ProxyLog.write("backend \(backend): host key \(key.keyType) \(key.fingerprint) cannot be checked (no SSH host key store); refused (ProxySFTPVerifyServer on)")
                return "host key of \(backend) cannot be checked: no SSH host key store"
            }
            ProxyLog.write("backend \(backend): host key \(key.keyType) \(key.fingerprint) (no SSH host key store: not recorded)")
            return nil
        }
        let recorded: SSHHostKey
        do {
            if let known = try store.hostKey(vhostID: vhostID, backend: backend.description) {
                recorded = known
            } else {
                // First use: recorded atomically; when another session or
                // proxy recorded a key first, that one is checked against.
                recorded = try store.recordFirstHostKey(vhostID: vhostID, backend: backend.description, key: seen)
                if recorded == seen {
                    ProxyLog.write("backend \(backend): host key \(key.keyType) \(key.fingerprint) seen for the first time, recorded")
                    return nil
                }
            }
        } catch {
            // Unknown is not first use: with VerifyServer on, a key that
            // cannot be checked (the store down, e.g. Redis) is refused.
            DatastoreFailureLog.report("checking the host key of \(backend)", error)
            if verify {
                ProxyLog.write("backend \(backend): host key \(key.keyType) \(key.fingerprint) cannot be checked (\(error)); refused (ProxySFTPVerifyServer on)")
                return "host key of \(backend) cannot be checked: the SSH host key store failed"
            }
            ProxyLog.write("backend \(backend): host key \(key.keyType) \(key.fingerprint) not checked (\(error)); accepted, not recorded (ProxySFTPVerifyServer off)")
            return nil
        }
        if recorded == seen { return nil }
        let line = "backend \(backend): host key changed: recorded \(recorded.algorithm) "
            + "\(recorded.base64.prefix(24))..., now \(key.keyType) \(key.fingerprint)"
        if verify {
            ProxyLog.write(line + "; refused (ProxySFTPVerifyServer on)")
            return "host key of backend \(backend) changed"
        }
        ProxyLog.write(line + "; recording the new key (ProxySFTPVerifyServer off)")
        do {
            try store.setHostKey(vhostID: vhostID, backend: backend.description, key: seen)
        } catch {
            DatastoreFailureLog.report("recording the host key of \(backend)", error)
        }
        return nil
    }

    /// Padded base64, as in known_hosts.
    static func base64(_ bytes: [UInt8]) -> String {
        let unpadded = Base64.encodeUnpadded(bytes)
        return unpadded + String(repeating: "=", count: (4 - unpadded.count % 4) % 4)
    }
}
