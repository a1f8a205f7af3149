"""Bad input from either side never crashes or hangs the proxy: a scripted
hostile backend (a real TCP server speaking broken FTP) and hostile client
commands. After each case the proxy daemon still serves a normal session."""
import socket
import threading
import time

import pytest

import harness as H


class ScriptedBackend:
    """A TCP server on 127.0.0.1 that answers each connection with `script`:
    a list of (expect_prefix or None, bytes to send, close_after). Instead of
    bytes, a function of the connection may do the sending."""

    def __init__(self, lab, script):
        self.port = lab.ports.port()
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(60)
        self.received = []
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self):
        return f"ftp://127.0.0.1:{self.port}"

    def _accept_loop(self):
        # every connection (the readiness probe's session too) gets the script
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            conn.settimeout(15)
            fp = conn.makefile("rb")
            try:
                for expect, data, close in self.script:
                    if expect is not None:
                        line = fp.readline()
                        self.received.append(line)
                        if not line.upper().startswith(expect):
                            return
                    if callable(data):
                        data(conn)
                    elif data:
                        conn.sendall(data)
                    if close:
                        return
                # keep the connection until the proxy closes it
                while fp.readline():
                    pass
            except OSError:
                pass

    def close(self):
        self.listener.close()


BANNER = b"220 hostile backend ready\r\n"
LOGIN = [(None, BANNER, False), (b"USER", b"331 password please\r\n", False),
         (b"PASS", b"230 logged in\r\n", False)]


def _proxy_for(lab, backend, **kw):
    # no readiness probe: it would use up the scripted backend's one connection
    p = lab.proxy([backend.url], start=False, **kw)
    p.start(wait=False)
    H.wait_until(lambda: _listening(p), 15)
    return p


def _listening(p):
    try:
        socket.create_connection((p.host, p.port), timeout=1).close()
        return True
    except OSError:
        return False


def _client(p):
    s = socket.create_connection((p.host, p.port), timeout=20)
    return s, s.makefile("rb")


def _send(s, fp, line):
    s.sendall(line.encode() + b"\r\n")
    return H.raw_reply(fp)


def _still_serves(lab, p_unused=None):
    """A normal backend and proxy still work (the module did not wedge the machine)."""
    b = lab.backend(name="healthy")
    p = lab.proxy(b, name="healthy-proxy")
    f = H.connect(p)
    try:
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)


def _ends_promptly(s, fp, seconds=10):
    """The proxy closes the client connection (after at most one reply)."""
    s.settimeout(seconds)
    t = time.monotonic()
    try:
        while fp.readline():
            pass
    except (ConnectionResetError, socket.timeout) as e:
        if isinstance(e, socket.timeout):
            pytest.fail(f"connection still open after {seconds}s")
    return time.monotonic() - t


CONNECT_TIME_CASES = {
    "refusing-banner": [(None, b"421 go away\r\n", True)],
    "garbage-banner": [(None, b"\x16\x03\x01 not ftp at all\r\n", True)],
    "overlong-banner": [(None, b"220-" + b"A" * 20000 + b"\r\n220 ok\r\n", False)],
    "silent-then-close": [(None, b"", True)],
}


@pytest.mark.parametrize("case", sorted(CONNECT_TIME_CASES))
def test_broken_backend_banner_gives_client_421(lab, case):
    backend = ScriptedBackend(lab, CONNECT_TIME_CASES[case])
    p = _proxy_for(lab, backend, extra="  ProxyRetryCount 1\n  ProxyTimeoutConnect 3")
    s, fp = _client(p)
    try:
        code, text = H.raw_reply(fp)
        assert code is not None and code.startswith("4"), (case, text)
        assert _ends_promptly(s, fp) < 10
    finally:
        s.close()
        backend.close()
    assert "backend" in p.read("proxy.log")
    _still_serves(lab)


COMMAND_TIME_CASES = {
    # the reply to PWD is broken in various ways
    "bad-code": b"2x7 \"/\"\r\n",
    "unterminated-multiline-then-close": b"257-one\r\n257-two\r\n",
    "overlong-line": b"257 " + b"B" * 20000 + b"\r\n",
    "nul-and-control-bytes": b"257 \x00\x01\x02\r\n",
}


def _log_in(s, fp):
    """Banner, USER and PASS against a scripted backend's LOGIN steps."""
    assert H.raw_reply(fp)[0] == "220"
    assert _send(s, fp, "USER alice")[0] == "331"
    assert _send(s, fp, "PASS secret")[0] == "230"


@pytest.mark.parametrize("case", sorted(COMMAND_TIME_CASES))
def test_broken_backend_reply_ends_session_cleanly(lab, case):
    script = LOGIN + [(b"PWD", COMMAND_TIME_CASES[case], True)]
    backend = ScriptedBackend(lab, script)
    p = _proxy_for(lab, backend)
    s, fp = _client(p)
    try:
        _log_in(s, fp)
        s.sendall(b"PWD\r\n")
        code, text = H.raw_reply(fp)
        # either a relayed reply that is well-formed FTP, or a 421 and the end
        if code is not None:
            assert code[:1] in "2345" and code.isdigit(), (case, text)
        _ends_promptly(s, fp)
    finally:
        s.close()
        backend.close()
    _still_serves(lab)


def _endless_multiline_reply(conn):
    """A 257 reply that never ends: 8000-byte lines (each under the per-line
    limit), as fast as the proxy reads them, for up to a minute."""
    conn.sendall(b"257-here it comes\r\n")
    chunk = (b"257-" + b"x" * 7994 + b"\r\n") * 16
    end = time.monotonic() + 60
    while time.monotonic() < end:
        conn.sendall(chunk)       # fails once the proxy has closed


def _vm_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@pytest.mark.swift_only
def test_endless_multiline_reply_is_cut_off(lab):
    """The reply is bounded (1 MiB, 16384 lines): the client gets a 421 that
    names the problem within seconds, and the session never holds the flood."""
    backend = ScriptedBackend(lab, LOGIN + [(b"PWD", _endless_multiline_reply, True)])
    p = _proxy_for(lab, backend)
    s, fp = _client(p)
    try:
        _log_in(s, fp)
        (pid,) = p.wait_session_child(1)
        baseline = _vm_kib(pid, "VmRSS")
        peak = [baseline]

        def sample():   # VmHWM is the session's peak RSS so far
            while True:
                v = _vm_kib(pid, "VmHWM")
                if v is None:
                    return
                peak[0] = max(peak[0], v)
                time.sleep(0.002)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t = time.monotonic()
        s.sendall(b"PWD\r\n")
        code, text = H.raw_reply(fp)
        elapsed = time.monotonic() - t
        assert code == "421", text[:300]
        assert "exceeded 1048576 bytes" in text, text
        assert elapsed < 5, f"421 after {elapsed:.1f}s"
        _ends_promptly(s, fp)
        sampler.join(10)
    finally:
        s.close()
        backend.close()
    grown = peak[0] - baseline
    assert grown < 16 * 1024, f"session RSS grew by {grown} KiB (from {baseline} KiB)"
    log = p.read("proxy.log")
    assert "abandoning the backend connection: unusable reply to PWD" in log, log
    assert "larger than 1048576 bytes" in log, log
    _still_serves(lab)


PASV_CASES = {
    "no-numbers": b"227 Entering Passive Mode\r\n",
    "numbers-out-of-range": b"227 Entering Passive Mode (127,0,0,1,999,1)\r\n",
    "foreign-address": b"227 Entering Passive Mode (10,1,2,3,4,5)\r\n",
    "epsv-garbage": None,
}


@pytest.mark.parametrize("case", sorted(PASV_CASES))
def test_broken_backend_pasv_reply_gives_425_and_session_goes_on(lab, case):
    reply = PASV_CASES[case]
    if reply is None:
        script = LOGIN + [(b"EPSV", b"229 Entering Extended Passive Mode (|||notaport|)\r\n", False),
                          (b"NOOP", b"200 still here\r\n", False)]
        cmd = "EPSV"
    else:
        script = LOGIN + [(b"PASV", reply, False), (b"NOOP", b"200 still here\r\n", False)]
        cmd = "PASV"
    backend = ScriptedBackend(lab, script)
    p = _proxy_for(lab, backend)
    s, fp = _client(p)
    try:
        assert H.raw_reply(fp)[0] == "220"
        _send(s, fp, "USER alice")
        assert _send(s, fp, "PASS secret")[0] == "230"
        code, text = _send(s, fp, cmd)
        assert code == "425", text
        code, text = _send(s, fp, "NOOP")
        assert code == "200" and "still here" in text, text
    finally:
        s.close()
        backend.close()


# ------------------------------------------------------------- hostile clients

CLIENT_CASES = {
    "port-garbage": ("PORT 1,2,3", "501"),
    "port-out-of-range": ("PORT 127,0,0,1,300,1", "501"),
    "port-privileged": ("PORT 127,0,0,1,0,21", "500"),
    # (not an RFC 1918 address: core would take the client's own instead)
    "port-foreign-address": ("PORT 192,0,2,7,40,1", "500"),
    "eprt-bad-family": ("EPRT |7|127.0.0.1|4000|", "522"),    # as core
    "eprt-family-mismatch": ("EPRT |1|::1|4000|", "501"),
    "epsv-bad-protocol": ("EPSV 9", "522"),
    "retr-without-pasv": ("RETR marker.txt", "425"),
}


@pytest.mark.parametrize("case", sorted(CLIENT_CASES))
def test_hostile_client_commands_get_clear_errors(pair, case):
    b, p = pair
    line, expected = CLIENT_CASES[case]
    f = H.connect(p)
    try:
        try:
            resp = f.sendcmd(line)
        except (H.ftplib.error_perm, H.ftplib.error_temp, H.ftplib.error_reply) as err:
            resp = str(err)
        assert resp.startswith(expected), (case, resp)
        # the session goes on
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)


def test_overlong_command_line_does_not_hurt(pair):
    """ProFTPD's own command reader refuses it (a reply or a closed
    connection, as without a proxy); the daemon goes on serving."""
    b, p = pair
    f = H.connect(p)
    try:
        f.sock.sendall(b"SITE " + b"x" * 20000 + b"\r\n")
        try:
            resp = f.getline()
            assert resp == "" or resp[:1] in "45", resp
        except (ConnectionResetError, EOFError):
            pass
    finally:
        f.close()
    f = H.connect(p)
    try:
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)
