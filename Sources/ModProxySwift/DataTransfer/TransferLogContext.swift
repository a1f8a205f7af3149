import CProFTPD
import Glibc
import ProxyCore

/// Fills ProFTPD's session.xfer for a proxied transfer, so mod_xfer's
/// TransferLog and mod_log's %b/%f/%T see it as they would a local transfer,
/// and writes the transfer's ProxyLog line.
struct TransferLogContext {
    let command: String
    let path: String
    let direction: Transfer.Direction

    /// session.xfer and the command's notes as mod_xfer leaves them: the
    /// backend's path (mod_xfer.retr-path / store-path for %f), the type.
    func begin(_ cmd: CommandRecord, session proxySession: ProxySession) {
        // Only file transfers are in the TransferLog: listings cost no PWD.
        let isFileTransfer = ["RETR", "STOR", "STOU", "APPE"].contains(command)
        let fullPath = isFileTransfer
            ? TransferLogNames.backendPath(argument: path, workingDirectory: BackendDirectory.current(proxySession, for: path))
            : path
        if proxySession.asciiType {
            session.sf_flags |= Int32(SF_ASCII)
        } else {
            session.sf_flags &= ~Int32(SF_ASCII | SF_ASCII_OVERRIDE)
        }
        let key: String? = command == "RETR" ? "mod_xfer.retr-path"
            : (command == "STOR" || command == "APPE") ? "mod_xfer.store-path" : nil
        if let key, let notes = cmd.raw.pointee.notes, let pool = cmd.raw.pointee.pool {
            _ = pr_table_add(notes, pstrdup(pool, key), pstrdup(pool, fullPath), 0)
        }
        begin(path: fullPath)
    }

    private func begin(path: String) {
        if session.xfer.p != nil { destroy_pool(session.xfer.p) }
        session.xfer.p = make_sub_pool(session.pool)
        session.xfer.xfer_type = 0
        session.xfer.file_size = 0
        session.xfer.total_bytes = 0
        session.xfer.direction = direction == .download ? Int32(PR_NETIO_IO_WR) : Int32(PR_NETIO_IO_RD)
        session.xfer.path = UnsafePointer(pstrdup(session.xfer.p, path))
        session.xfer.filename = session.xfer.path
        gettimeofday(&session.xfer.start_time, nil)
    }

    /// The TransferLog line of a transfer that did not complete ('i'), as
    /// mod_xfer writes it from its abort paths (the command then ends in
    /// error, so its LOG_CMD handler writes no 'c' line).
    func writeIncomplete() {
        guard ["RETR", "STOR", "STOU", "APPE"].contains(command) else { return }
        var now = timeval()
        gettimeofday(&now, nil)
        let seconds = session.xfer.start_time.tv_sec != 0 ? now.tv_sec - session.xfer.start_time.tv_sec : 0
        let type: CChar = (session.sf_flags & Int32(SF_ASCII)) != 0 ? 0x61 : 0x62      // 'a' / 'b'
        let dir: CChar = direction == .download ? 0x6F : 0x69                           // 'o' / 'i'
        _ = xferlog_write(seconds, pr_netaddr_get_sess_remote_name(), session.xfer.total_bytes,
                          session.xfer.path, type, dir, 0x72 /* 'r' */, session.user, 0x69 /* 'i' */, "_")
    }

    func end(bytes: Int64, started: UInt64, result: String) {
        session.xfer.total_bytes = off_t(bytes)
        let ms = millisecondsSince(started)
        let rate = ms > 0 ? Double(bytes) / 1_048_576.0 / (Double(ms) / 1000.0) : 0
        ProxyLog.write("transfer: \(command) '\(path)' \(bytes) bytes in \(ms) ms (\(Int(rate)) MiB/s): \(result)")
    }
}
