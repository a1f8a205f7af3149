import CProFTPD
import CShims

/// mod_sftp's `SFTPClientAlive count interval` of this server. While the
/// relay waits for the client and the backend, mod_sftp's own select(2)
/// (whose timeout sends its probes) never runs, so the relay probes a
/// silent client on mod_sftp's behalf, with mod_sftp's request and limits.
struct SFTPClientAliveSetting {
    let maxCount: Int
    let intervalSeconds: Int

    static func configured() -> SFTPClientAliveSetting? {
        guard let c = find_config(main_server?.pointee.conf, Int32(CONF_PARAM), "SFTPClientAlive", FALSE),
              c.pointee.argc >= 2, let argv = c.pointee.argv, let count = argv[0], let interval = argv[1] else { return nil }
        let setting = SFTPClientAliveSetting(maxCount: Int(count.assumingMemoryBound(to: UInt32.self).pointee),
                                             intervalSeconds: Int(interval.assumingMemoryBound(to: UInt32.self).pointee))
        return setting.intervalSeconds > 0 ? setting : nil   // as mod_sftp: interval 0 probes never
    }
}
