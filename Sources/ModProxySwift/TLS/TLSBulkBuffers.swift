import CProFTPD
import Glibc

/// Buffers for a TLS data connection, so that a transfer costs a few large
/// syscalls rather than two reads and one write per 16 KiB TLS record: a
/// BIO_f_buffer between the TLS session and the socket
/// - reads up to `bufferSize` at once, and OpenSSL takes the records from
///   it (OpenSSL's own read-ahead would do it too, but with a large read
///   buffer it memmoves the unread rest before every record: quadratic);
/// - gathers the records of many SSL_writes, which leave in one write(2)
///   when it fills or on `flush`.
/// Control connections keep OpenSSL's defaults: their replies are small,
/// and poll(2) must see every byte that is not yet read.
enum TLSBulkBuffers {
    static let bufferSize = 256 * 1024

    /// Attaches `fd` to `ssl` through the buffer; returns the buffer BIO
    /// (to flush and to ask what it holds), nil when OpenSSL could not make it.
    static func attach(_ ssl: OpaquePointer, fd: Int32) -> OpaquePointer? {
        guard let socketBIO = BIO_new_socket(fd, BIO_NOCLOSE) else { return nil }
        guard let buffer = BIO_new(BIO_f_buffer()),
              BIO_ctrl(buffer, BIO_C_SET_BUFF_SIZE, bufferSize, nil) == 1 else {
            BIO_free(socketBIO)
            return nil
        }
        _ = BIO_push(buffer, socketBIO)
        SSL_set_bio(ssl, buffer, buffer)
        return buffer
    }

    /// Bytes read from the socket that OpenSSL has not taken yet.
    static func unreadInput(_ buffer: OpaquePointer) -> Bool {
        BIO_ctrl_pending(buffer) > 0
    }

    /// Bytes in the write buffer, not yet on the socket.
    static func unsentOutput(_ buffer: OpaquePointer) -> Bool {
        BIO_ctrl_wpending(buffer) > 0
    }

    /// Writes out the write buffer: true when all of it is on the socket;
    /// false when the socket is full (`errno` EAGAIN) or failed.
    static func flush(_ buffer: OpaquePointer) -> Bool {
        BIO_ctrl(buffer, BIO_CTRL_FLUSH, 0, nil) == 1
    }

    /// After a failed flush: the socket was only full (poll for POLLOUT).
    static func shouldRetry(_ buffer: OpaquePointer) -> Bool {
        BIO_test_flags(buffer, BIO_FLAGS_SHOULD_RETRY) != 0
    }
}
