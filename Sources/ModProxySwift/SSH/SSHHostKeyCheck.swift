import ProxyCore
import ProxySSH
import ProxyStore

/// ProxySFTPVerifyServer: a backend's host key is recorded in
/// `proxy-ssh.db` the first time it is seen; a different key later refuses
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
            ProxyLog.write("backend \(backend): host key \(key.keyType) \(key.fingerprint) (no SSH host key store: not recorded)")
            return nil
        }
        let recorded: SSHHostKey?
        do {
            recorded = try store.hostKey(vhostID: vhostID, backend: backend.description)
        } catch {
            DatastoreFailureLog.report("reading the host key of \(backend)", error)
            return verify ? "host key of \(backend) cannot be checked: the SSH host key store failed" : nil
        }
        if recorded == seen { return nil }
        if let recorded {
            let line = "backend \(backend): host key changed: recorded \(recorded.algorithm) "
                + "\(recorded.base64.prefix(24))..., now \(key.keyType) \(key.fingerprint)"
            if verify {
                ProxyLog.write(line + "; refused (ProxySFTPVerifyServer on)")
                return "host key of backend \(backend) changed"
            }
            ProxyLog.write(line + "; recording the new key (ProxySFTPVerifyServer off)")
        } else {
            ProxyLog.write("backend \(backend): host key \(key.keyType) \(key.fingerprint) seen for the first time, recorded")
        }
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
