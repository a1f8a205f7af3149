import CProFTPD
import Glibc

/// One non-blocking recv(2)/send(2) on a kernel socket, as a TransportStep:
/// EINTR lets ProFTPD handle its signals and the call is made again.
enum SocketIO {
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> TransportStep {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .transferred(n) }
            if n == 0 { return buffer.count == 0 ? .transferred(0) : .endOfStream }
            if errno == EINTR { pr_signals_handle(); continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock(.readable) : .failed(errno)
        }
    }

    /// SO_RCVLOWAT: poll(2) reports the socket readable once `bytes` are
    /// queued (or at its end); a non-blocking read still returns what is there.
    static func setReceiveLowWater(_ fd: Int32, _ bytes: Int32) {
        var value = bytes
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// TCP_NOTSENT_LOWAT: send(2) takes bytes, and poll(2) reports the
    /// socket writable, only while less than `bytes` of what was written is
    /// still unsent. Returns the limit the kernel then has, nil when it
    /// refused the option.
    static func setUnsentLowWater(_ fd: Int32, _ bytes: Int32) -> Int32? {
        var value = bytes
        let size = socklen_t(MemoryLayout<Int32>.size)
        guard setsockopt(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &value, size) == 0 else { return nil }
        var got: Int32 = 0
        var length = size
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &got, &length) == 0 else { return nil }
        return got
    }

    static func transmit(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> TransportStep {
        while true {
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .transferred(n) }
            if errno == EINTR { pr_signals_handle(); continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock(.writable) : .failed(errno)
        }
    }
}
