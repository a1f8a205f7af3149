"""Every wait on a peer ends: a zero duration never means "wait forever",
and ProxyTimeoutConnect bounds backend name lookups and the data
connections the proxy opens (PORT/EPRT towards the client, the backend's
connection after PORT/EPRT towards it)."""
import os
import socket
import threading
import time

import pytest

import harness as H
import pp_helpers as P
from test_hostile_peers import LOGIN, ScriptedBackend, _proxy_for


# ------------------------------------------------------ ProxyTimeoutLinger 0

# H.connect sends TYPE I after login, ftplib's retrbinary once more
TYPE_TWICE = [(b"TYPE", b"200 Type set to I\r\n", False)] * 2
# the proxy asks once for the backend's directory (for its TransferLog paths)
PWD = [(b"PWD", b'257 "/" is the current directory\r\n', False)]


class _BackendData:
    """The scripted backend's passive data side: a listener whose 227 reply
    the PASV step sends, and a RETR step that sends `data` and never the
    final 226."""

    def __init__(self, data):
        self.data = data
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(15)

    def pasv(self, conn):
        port = self.listener.getsockname()[1]
        conn.sendall(b"227 Entering Passive Mode (127,0,0,1,%d,%d)\r\n" % (port >> 8, port & 255))

    def retr_without_final_reply(self, conn):
        conn.sendall(b"150 Opening BINARY mode data connection\r\n")
        d, _ = self.listener.accept()
        with d:
            d.sendall(self.data)


@pytest.mark.swift_only
def test_linger_zero_does_not_wait_for_a_missing_final_reply(lab):
    data = os.urandom(200_000)
    side = _BackendData(data)
    backend = ScriptedBackend(lab, LOGIN + TYPE_TWICE + [(b"PASV", side.pasv, False)] + PWD + [
                                            (b"RETR", side.retr_without_final_reply, False)])
    p = _proxy_for(lab, backend, extra="  ProxyTimeoutLinger 0")
    f = H.connect(p, mode="PASV", timeout=20)
    try:
        t = time.monotonic()
        got = H.retr_bytes(f, "file.bin")
        elapsed = time.monotonic() - t
        assert got == data
        assert f.replies[-1].startswith("226"), f.replies
        assert elapsed < 3, f"RETR took {elapsed:.1f}s"

    finally:
        f.close()
        backend.close()
        side.listener.close()
    assert "no final reply from backend within ProxyTimeoutLinger" in p.read("proxy.log")


def test_linger_zero_with_a_real_backend_keeps_replies_in_step(lab):
    """With no linger the backend's 226 usually comes after the proxy gave
    its own: it is skipped before the next command, never relayed late."""
    b = lab.backend()
    data = os.urandom(3 * H.MiB + 7)
    b.put_file("f.bin", data)
    p = lab.proxy(b, extra="  ProxyTimeoutLinger 0")
    f = H.connect(p)
    try:
        for _ in range(3):
            assert H.retr_bytes(f, "f.bin") == data
            assert f.replies[-1].startswith("226"), f.replies
            assert f.sendcmd("NOOP").startswith("200")
        assert f.pwd() == b.home
    finally:
        H.bye(f)


# ------------------------------------------- data connections we open/await


def _blackhole_listener():
    """A listener on 127.0.0.1 whose accept queue is full: further SYNs to it
    are dropped, so a connect neither succeeds nor gets refused."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    fillers = []
    for _ in range(2):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(s)
    probe = socket.socket()
    probe.settimeout(1.5)
    try:
        probe.connect(("127.0.0.1", port))
        pytest.skip("a full accept queue does not drop SYNs here")
    except socket.timeout:
        pass
    finally:
        probe.close()
    return ls, port, fillers


@pytest.mark.parametrize("command", ["PORT", "EPRT"])
def test_active_data_connect_to_unresponsive_client_is_bounded(lab, command):
    b = lab.backend()
    b.put_file("f.bin", b"x" * 1000)
    p = lab.proxy(b, extra="  ProxyTimeoutConnect 2")
    ls, port, fillers = _blackhole_listener()
    f = H.connect(p, timeout=20)
    try:
        if command == "PORT":
            assert f.sendport("127.0.0.1", port).startswith("200")
        else:
            assert f.sendeprt("127.0.0.1", port).startswith("200")
        t = time.monotonic()
        f.sock.sendall(b"RETR f.bin\r\n")
        codes = []
        while not codes or codes[-1][:1] == "1":
            line = f.getline()
            assert line, "the proxy closed the connection"
            codes.append(line)
        elapsed = time.monotonic() - t
        assert codes[-1].startswith("425"), codes
        assert 1.5 < elapsed < 6, f"425 after {elapsed:.1f}s"
        assert f.sendcmd("NOOP").startswith("200")   # the session goes on
    finally:
        H.bye(f)
        ls.close()
        for s in fillers:
            s.close()
    assert "client data connection failed" in p.read("proxy.log")


@pytest.mark.swift_only
def test_backend_that_never_opens_its_active_data_connection(lab):
    """ProxyDataTransferPolicy active: the proxy waits ProxyTimeoutConnect
    for the backend's data connection, then 425; the session goes on."""
    backend = ScriptedBackend(lab, LOGIN + TYPE_TWICE + [
        (b"PORT", b"200 PORT command successful\r\n", False)] + PWD + [
        (b"RETR", b"150 Opening BINARY mode data connection\r\n", False),
        (None, b"", False)])
    p = _proxy_for(lab, backend, extra="  ProxyTimeoutConnect 2\n  ProxyDataTransferPolicy PORT\n"
                                       "  ProxyTimeoutLinger 1")
    f = H.connect(p, mode="PASV", timeout=20)
    try:
        t = time.monotonic()
        with pytest.raises(H.ftplib.error_temp) as e:
            H.retr_bytes(f, "f.bin")
        elapsed = time.monotonic() - t
        assert str(e.value).startswith("425"), e.value
        assert 1.5 < elapsed < 6, f"425 after {elapsed:.1f}s"
    finally:
        f.close()
        backend.close()
    assert "backend data connection failed" in p.read("proxy.log")


# ------------------------------------------------------ backend name lookups


class _SilentDNS:
    """UDP 'name servers' on two loopback addresses that read queries and
    never answer."""

    ADDRESSES = ("127.0.0.153", "127.0.0.154")

    def __init__(self):
        self.socks = []
        for a in self.ADDRESSES:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((a, 53))
            except OSError as e:
                pytest.skip(f"cannot bind {a}:53: {e}")
            self.socks.append(s)
        self.queries = 0
        self.stop = False
        for s in self.socks:
            threading.Thread(target=self._swallow, args=(s,), daemon=True).start()

    def _swallow(self, s):
        s.settimeout(0.5)
        while not self.stop:
            try:
                s.recvfrom(4096)
                self.queries += 1
            except OSError:
                pass

    def close(self):
        self.stop = True
        for s in self.socks:
            s.close()


def test_backend_name_lookup_is_bounded_by_connect_timeout(lab):
    """glibc's default with two silent name servers is 2 x 2 x 5 s = 20 s;
    ProxyTimeoutConnect 2 makes it about 2 s."""
    resolv = os.path.join(lab.dir, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("".join(f"nameserver {a}\n" for a in _SilentDNS.ADDRESSES))
    r = H.run(H.with_resolv_conf(resolv) + ["cat", "/etc/resolv.conf"])
    if r.returncode != 0:
        pytest.skip(f"no private mount namespace here: {r.stderr.decode().strip()}")
    dns = _SilentDNS()
    name = "backend.silent-dns.test"
    try:
        p = lab.proxy([f"ftp://{name}:2121"], start=False,
                      extra="  ProxyTimeoutConnect 2\n  ProxyRetryCount 1")
        p.launcher = H.with_resolv_conf(resolv)
        p.start(banner=False)
        s = socket.create_connection((p.host, p.port), timeout=30)
        t = time.monotonic()
        try:
            reply = s.makefile("rb").readline()
        finally:
            s.close()
        elapsed = time.monotonic() - t
        assert reply.startswith(b"421"), reply
        assert elapsed < 5, f"421 after {elapsed:.1f}s"
        assert dns.queries > 0, "the lookup did not reach the silent name servers"
    finally:
        dns.close()
    assert f"unable to resolve '{name}'" in p.read("proxy.log"), p.read("proxy.log")


# ------------------------------------------------------ ProxyProtocolTimeout 0


@pytest.mark.swift_only
def test_proxy_protocol_timeout_zero_is_bounded_by_timeout_login(lab):
    if not lab.has_proxy_protocol:
        pytest.skip("module under test has no mod_proxy_protocol")
    srv = P.pp_server(lab, pp="ProxyProtocolEngine on\nProxyProtocolTimeout 0", extra="TimeoutLogin 2")
    mark = srv.log_mark()
    r = P.probe(srv.port, b"", wait=10)
    assert r.closed and r.data == b"", r
    assert 1.5 <= r.elapsed <= 4, r
    assert "timed out after 2s waiting for the PROXY header (0 bytes received)" in srv.since(mark, "server")
