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
    /// The most of what the buffer hands to the socket that the kernel may
    /// hold unsent (TCP_NOTSENT_LOWAT); the rest waits in the buffer. Without
    /// it, a 256 KiB write lies mostly unsent in the socket until the peer's
    /// ACKs open its window, and the kernel sends it while it processes those
    /// ACKs: with a backend on the same host (loopback), in the backend's
    /// process. An upload's backend, whose CPU is what limits it, spent about
    /// 10% more per GiB that way than behind the C module (which writes one
    /// record per write(2)); with the limit, our own write(2)s send it.
    /// (64 KiB did as well here; 128 KiB keeps a fast link to a remote
    /// backend fed while we wake up: poll(2) says writable below half.)
    static let unsentLimit: Int32 = 128 * 1024

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

    /// mod_tls's SSL of a frontend data connection (after its handshake):
    /// a write buffer under its write side, so that a download's records
    /// leave in large writes too. Whoever writes through it flushes it
    /// before waiting and at the end; OpenSSL flushes it with every alert
    /// (mod_tls's close_notify). nil when not possible or already there.
    static func gatherWrites(of ssl: OpaquePointer) -> OpaquePointer? {
        insertBuffer(under: SSL_get_wbio(ssl)) { SSL_set0_wbio(ssl, $0) }
    }

    /// mod_tls's SSL of a frontend data connection read by the relay
    /// directly (FrontendTLSTransport): a read buffer under its read side,
    /// so that an upload's records come in with one read(2) per 256 KiB
    /// rather than two per record. poll(2) no longer sees the bytes it
    /// holds: only a reader that asks `unreadInput` first may use it.
    /// nil when not possible or already there.
    static func gatherReads(of ssl: OpaquePointer) -> OpaquePointer? {
        insertBuffer(under: SSL_get_rbio(ssl)) { SSL_set0_rbio(ssl, $0) }
    }

    /// A buffer BIO between the session and `socketBIO` (a bare socket BIO,
    /// not already in a chain), installed by `install` (SSL_set0_rbio/wbio).
    private static func insertBuffer(under socketBIO: OpaquePointer?,
                                     install: (OpaquePointer) -> Void) -> OpaquePointer? {
        guard let socketBIO, BIO_next(socketBIO) == nil,
              let buffer = BIO_new(BIO_f_buffer()) else { return nil }
        guard BIO_ctrl(buffer, BIO_C_SET_BUFF_SIZE, bufferSize, nil) == 1 else {
            BIO_free(buffer)
            return nil
        }
        // SSL_set0_rbio/wbio frees the BIO it replaces: one more reference,
        // which the buffer's chain holds from now on.
        _ = BIO_up_ref(socketBIO)
        _ = BIO_push(buffer, socketBIO)
        install(buffer)
        return buffer
    }

    /// Writes out what the buffer holds: .transferred(0) when all of it is
    /// on the socket, .wouldBlock while the socket is full.
    static func flush(_ buffer: OpaquePointer) -> TransportStep {
        if BIO_ctrl(buffer, BIO_CTRL_FLUSH, 0, nil) == 1 { return .transferred(0) }
        if BIO_test_flags(buffer, BIO_FLAGS_SHOULD_RETRY) != 0 { return .wouldBlock(.writable) }
        let err = errno
        return .failed(err == 0 ? EIO : err)
    }
}
