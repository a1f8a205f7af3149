"""The client's control connection during a transfer: half a command line
must not freeze the relay (ProFTPD's command reader waits for a whole line),
commands that arrive whole are answered while the bytes flow, and none of
this may lose or reorder a byte of the transfer. Plain FTP (the splice(2)
relay) and FTPS with PROT P (mod_tls on both connections, the buffered
relay)."""
import hashlib
import os
import socket
import threading
import time

import pytest

import harness as H
from test_tls import _ftps, _tls_block

SIZE = 48 * H.MiB


@pytest.fixture(scope="module")
def tls_cert(suite):
    return H.make_self_signed_cert(os.path.join(suite.root, "cert-control"))


def _setup(lab, tls_cert=None):
    b = lab.backend()
    path = b.home_path("big.bin")
    digest = H.make_random_file(path, SIZE)
    os.chown(path, H.NOBODY_UID, H.NOBODY_GID)
    outside = _tls_block(tls_cert, os.path.join(lab.dir, "proxy-tls.log")) if tls_cert else ""
    p = lab.proxy(b, outside=outside)
    f = _ftps(p) if tls_cert else H.connect(p)
    f.voidcmd("TYPE I")
    return b, p, f, digest


class DataReader:
    """Reads the data connection in a thread, hashing, at most `rate` bytes
    a second (so the proxy's side of it fills and the relay waits, which is
    when it looks at the control connection); `hold()` stops reading until
    `release()`. A gap of 15 s in the data is reported as a freeze."""

    def __init__(self, conn, rate=24 * H.MiB):
        self.conn = conn
        self.rate = rate
        self.h = hashlib.sha256()
        self.got = 0
        self.error = None
        self.running = threading.Event()
        self.running.set()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.conn.settimeout(15)
        start = time.monotonic()
        try:
            while True:
                self.running.wait()
                chunk = self.conn.recv(1 << 16)
                if not chunk:
                    return
                self.h.update(chunk)
                self.got += len(chunk)
                ahead = self.got / self.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        except socket.timeout:
            self.error = f"the data stopped after {self.got} bytes (relay frozen?)"
        except OSError as e:
            self.error = f"data connection: {e}"

    def wait_for(self, count, timeout=30):
        assert H.wait_until(lambda: self.got >= count or not self.thread.is_alive(), timeout), self.got
        assert self.error is None, self.error

    def hold(self):
        self.running.clear()
        time.sleep(0.1)

    def release(self):
        self.running.set()

    def finish(self, timeout=60):
        self.release()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"transfer not finished after {timeout}s ({self.got} bytes)"
        assert self.error is None, self.error
        return self.got, self.h.hexdigest()


def _control_reply(f, timeout=10):
    f.sock.settimeout(timeout)
    try:
        resp = f.getresp()
    except (H.ftplib.error_temp, H.ftplib.error_perm) as e:
        resp = str(e)
    f.seen = getattr(f, "seen", []) + [resp]
    return resp


def _close_data(conn):
    if hasattr(conn, "unwrap"):
        try:
            conn.unwrap()
        except (OSError, ValueError):
            pass
    conn.close()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "ftps"])
def test_half_a_command_line_does_not_freeze_the_transfer(lab, tls_cert, tls):
    b, p, f, digest = _setup(lab, tls_cert if tls else None)
    try:
        conn = f.transfercmd("RETR big.bin")
        reader = DataReader(conn)
        reader.wait_for(4 * H.MiB)
        f.sock.sendall(b"NO")            # no end of line
        assert reader.finish() == (SIZE, digest)
        _close_data(conn)
        assert _control_reply(f).startswith("226")
        f.sock.sendall(b"OP\r\n")
        assert _control_reply(f).startswith("200"), f.seen
        assert f.sendcmd("PWD").startswith("257")
    finally:
        H.bye(f)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "ftps"])
def test_commands_during_transfer_are_answered_and_lose_no_data(lab, tls_cert, tls):
    """A line completed mid-transfer is answered at once; pipelined lines
    too; the relay keeps every byte it had taken from the backend. The client
    stops reading meanwhile, so the relay holds bytes it can't write when the
    command arrives (with PROT P too: mod_tls's session is written without
    blocking, so the relay never waits inside it)."""
    b, p, f, digest = _setup(lab, tls_cert if tls else None)
    try:
        conn = f.transfercmd("RETR big.bin")
        reader = DataReader(conn)
        reader.wait_for(4 * H.MiB)
        reader.hold()
        f.sock.sendall(b"NO")
        time.sleep(0.3)
        f.sock.sendall(b"OP\r\n")
        assert _control_reply(f).startswith("200"), f.seen
        reader.release()
        reader.wait_for(8 * H.MiB)
        reader.hold()
        f.sock.sendall(b"NOOP\r\nSTAT\r\nNO")    # two whole lines and a half
        assert _control_reply(f).startswith("200"), f.seen
        assert _control_reply(f).startswith("213"), f.seen
        time.sleep(0.3)
        f.sock.sendall(b"OP\r\n")
        assert _control_reply(f).startswith("200"), f.seen
        assert reader.got < SIZE, "the transfer ended before the commands: make the file larger"
        assert reader.finish() == (SIZE, digest)
        _close_data(conn)
        assert _control_reply(f).startswith("226")
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "ftps"])
def test_command_while_the_client_pauses_reading_loses_no_data(lab, tls_cert, tls):
    """The splice relay holds up to 1 MiB in its pipe when the client stops
    reading, the TLS relay its buffer and records in mod_tls's write buffer;
    a command answered meanwhile must not drop those bytes."""
    b, p, f, digest = _setup(lab, tls_cert if tls else None)
    try:
        conn = f.transfercmd("RETR big.bin")
        reader = DataReader(conn)
        for mark in (4, 12, 20):
            reader.wait_for(mark * H.MiB)
            reader.hold()
            time.sleep(0.3)              # the pipe and the socket buffers fill
            f.sock.sendall(b"STAT\r\n")
            assert _control_reply(f).startswith("213"), f.seen
            reader.release()
        assert reader.finish() == (SIZE, digest)
        _close_data(conn)
        assert _control_reply(f).startswith("226")
    finally:
        H.bye(f)
