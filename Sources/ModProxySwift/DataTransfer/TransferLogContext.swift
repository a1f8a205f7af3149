import CProFTPD
import Glibc

/// Fills ProFTPD's session.xfer for a proxied transfer, so mod_xfer's
/// TransferLog and mod_log's %b/%f/%T see it as they would a local transfer,
/// and writes the transfer's ProxyLog line.
struct TransferLogContext {
    let command: String
    let path: String
    let direction: Transfer.Direction

    func begin() {
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

    func end(bytes: Int64, started: UInt64, result: String) {
        session.xfer.total_bytes = off_t(bytes)
        let ms = millisecondsSince(started)
        let rate = ms > 0 ? Double(bytes) / 1_048_576.0 / (Double(ms) / 1000.0) : 0
        ProxyLog.write("transfer: \(command) '\(path)' \(bytes) bytes in \(ms) ms (\(Int(rate)) MiB/s): \(result)")
    }
}
