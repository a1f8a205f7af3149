import CProFTPD
import CShims
import Glibc

/// The client's control connection as input to wait on: its descriptor, and
/// whether bytes are already buffered above it (in ProFTPD's netio buffer,
/// or decrypted inside mod_tls's OpenSSL session), where poll(2) cannot
/// see them.
enum ClientControlInput {
    static var stream: UnsafeMutablePointer<pr_netio_stream_t>? { session.c?.pointee.instrm }

    static var fd: Int32 {
        guard let stream else { return -1 }
        return mps_netio_fd(stream)
    }

    static var hasBufferedInput: Bool {
        guard let stream else { return false }
        // pr_buffer_t: `remaining` counts the free bytes, so unread ones are
        // buflen - remaining once `current` is set.
        if let buffer = stream.pointee.strm_buf, buffer.pointee.current != nil,
           Int(buffer.pointee.buflen) > buffer.pointee.remaining {
            return true
        }
        if let notes = stream.pointee.notes, let ssl = pr_table_get(notes, "mod_tls.SSL", nil) {
            return SSL_pending(OpaquePointer(ssl)) > 0
        }
        return false
    }
}
