import CProFTPD
import CShims
import Glibc

/// What the socket of a TLS frontend data connection still holds for
/// mod_tls: one FIONREAD, minus what mod_tls's read BIO has taken since.
/// While bytes are left, pr_netio_read finds the socket readable at once
/// (it polls before each read, and blocks when nothing is there), so the
/// relay needs no poll(2) of its own before every 16 KiB record.
struct FrontendTLSBacklog {
    private var unread = 0
    private var readBefore: UInt64 = 0

    /// True when mod_tls can read without waiting: bytes are left from the
    /// last count, or a new count finds some. False: ask poll(2) (which also
    /// sees the end of the stream, where the count is 0).
    mutating func hasBytes(fd: Int32, ssl: OpaquePointer) -> Bool {
        guard let readBIO = SSL_get_rbio(ssl) else { return false }
        let taken = BIO_number_read(readBIO) &- readBefore
        if UInt64(unread) > taken { return true }
        readBefore = BIO_number_read(readBIO)
        unread = max(Int(mps_socket_unread_bytes(fd)), 0)
        return unread > 0
    }
}
