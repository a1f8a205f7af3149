"""Data connections at the proxy as ProFTPD's own rules shape them:
PORT/EPRT checked as core checks them (AllowForeignAddress on|off|<Class>,
the reply texts), address families translated between client and backend
(IPv6, IPv4-mapped, IPv4), PassivePorts and MasqueradeAddress of the proxy
for its own passive listeners, and ProxyOptions UseDirectDataTransfers
(data between client and backend, never through the proxy)."""
import ftplib
import io
import os
import re
import socket
import subprocess
import threading
import time

import pytest

import harness as H

MODES = ["PASV", "EPSV", "PORT", "EPRT"]


def ask(f, line):
    """The reply to one command, error replies included, as text."""
    try:
        return f.sendcmd(line)
    except ftplib.Error as e:
        return str(e)


def pasv_port(reply):
    """The port of a 227 or 229 reply."""
    if reply.startswith("229"):
        return int(re.search(r"\(\|\|\|(\d+)\|\)", reply).group(1))
    nums = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", reply).groups()
    return int(nums[4]) * 256 + int(nums[5])


def active_retr(f, command, host, name, family=socket.AF_INET):
    """RETR over a data connection to a listener of ours on `host`, announced
    with `command` (PORT/EPRT); returns (data, peer address of the data
    connection), or raises ftplib.Error with the refusal."""
    with socket.socket(family, socket.SOCK_STREAM) as srv:
        if family == socket.AF_INET6:      # an IPv4-mapped address needs a dual-stack socket
            srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        srv.bind((host, 0))
        srv.listen(1)
        srv.settimeout(20)
        port = srv.getsockname()[1]
        if command == "PORT":
            f.sendcmd("PORT " + ",".join(host.split(".") + [str(port >> 8), str(port & 255)]))
        else:
            f.sendcmd(f"EPRT |{1 if family == socket.AF_INET else 2}|{host}|{port}|")
        f.putcmd(f"RETR {name}")
        mark = f.getresp()
        assert mark.startswith("150"), mark
        conn, peer = srv.accept()
        with conn:
            chunks = []
            while True:
                b = conn.recv(1 << 16)
                if not b:
                    break
                chunks.append(b)
        f.voidresp()
        return b"".join(chunks), peer


class RecordingFTP(H.ModeFTP):
    """ModeFTP that remembers who opened each active data connection."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.data_peers = []

    def makeport(self):
        sock = super().makeport()
        outer = self

        class Listener:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                sock.close()

            def accept(self):
                conn, peer = sock.accept()
                outer.data_peers.append(peer)
                return conn, peer

            def __getattr__(self, name):
                return getattr(sock, name)
        return Listener()


def rconnect(daemon, mode, host=None):
    f = RecordingFTP(mode, timeout=30)
    f.connect(host or daemon.host, daemon.port)
    f.login(H.USER, H.PASSWORD)
    f.voidcmd("TYPE I")
    return f


# ----------------------------------------------------------- PORT/EPRT as core checks them

BAD_ACTIVE = [
    "PORT 1,2,3",                      # syntax
    "PORT 127,0,0,1,300,1",            # out of range
    "PORT 127,0,0,2,156,64",           # foreign address
    "PORT 127,0,0,1,0,21",             # privileged port
    "EPRT |1|127.0.0.1|",              # syntax
    "EPRT |1|127.0.0.300|40000|",      # not an address
    "EPRT |3|127.0.0.1|40000|",        # unknown network protocol
    "EPRT |x|127.0.0.1|40000|",
    "EPRT |1|127.0.0.2|40000|",        # foreign address
    "EPRT |1|127.0.0.1|21|",           # privileged port
]


def test_bad_port_and_eprt_get_the_replies_of_a_plain_server(lab):
    """Each refusal reads as the backend's own core gives it: 'Illegal EPRT
    command' for EPRT, 522 for an unknown network protocol, 501 for syntax,
    500 for a foreign address or a privileged port."""
    b = lab.backend()
    p = lab.proxy(b)
    plain, proxied = H.connect(b), H.connect(p)
    try:
        for line in BAD_ACTIVE:
            want = ask(plain, line)
            assert want[:1] in "45", (line, want)
            assert ask(proxied, line) == want, line
        assert ask(proxied, "EPRT |1|127.0.0.2|40000|") == "500 Illegal EPRT command"
        assert ask(proxied, "PORT 127,0,0,2,156,64") == "500 Illegal PORT command"
        # Still usable afterwards.
        b.put_file("after.txt", b"after\n")
        assert H.retr_bytes(proxied, "after.txt") == b"after\n"
    finally:
        H.bye(plain)
        H.bye(proxied)
    log = p.read("proxy.log")
    assert "Refused EPRT |1|127.0.0.2|40000| (address mismatch)" in log, log[-2000:]
    assert "Refused PORT 127,0,0,1,0,21 (port 21 below 1024, possible bounce attack)" in log


@pytest.mark.reference_bug("EPSV ALL is sent on as a plain EPSV (mod_proxy.c proxy_epsv: "
                            "'TODO: Handle any possible EPSV params')")
def test_epsv_all_allows_only_epsv_afterwards(lab):
    b = lab.backend()
    b.put_file("f.txt", b"epsv all\n")
    p = lab.proxy(b)
    plain, proxied = H.connect(b, mode="EPSV"), H.connect(p, mode="EPSV")
    try:
        for f in (plain, proxied):
            assert f.sendcmd("EPSV ALL").startswith("200")
        for line in ["PASV", "PORT 127,0,0,1,156,64", "EPRT |1|127.0.0.1|40000|"]:
            want = ask(plain, line)
            assert "EPSV ALL in effect" in want, want
            assert ask(proxied, line) == want
        assert H.retr_bytes(proxied, "f.txt") == b"epsv all\n"
    finally:
        H.bye(plain)
        H.bye(proxied)


@pytest.mark.parametrize("command", ["PORT", "EPRT"])
def test_rfc1918_address_from_a_public_client_is_replaced(lab, command):
    """Core's rule: a private address from a client that is not on a private
    network itself, to a server that is not either, can't be reached; the
    client's own address is used (here 127.0.0.1 for 10.9.8.7)."""
    b = lab.backend()
    data = os.urandom(77_777)
    b.put_file("r.bin", data)
    p = lab.proxy(b)
    f = H.connect(p)
    try:
        with socket.create_server(("127.0.0.1", 0), backlog=1) as srv:
            srv.settimeout(20)
            port = srv.getsockname()[1]
            arg = (f"10,9,8,7,{port >> 8},{port & 255}" if command == "PORT" else f"|1|10.9.8.7|{port}|")
            assert f.sendcmd(f"{command} {arg}") == f"200 {command} command successful"
            f.putcmd("RETR r.bin")
            assert f.getresp().startswith("150")
            conn, _ = srv.accept()
            with conn:
                got = b"".join(iter(lambda: conn.recv(65536), b""))
            f.voidresp()
        assert got == data
    finally:
        H.bye(f)
    assert (f"client sent RFC1918 address '10.9.8.7' in {command} command, ignoring it and using "
            "'127.0.0.1'") in p.read("proxy.log")


@pytest.mark.parametrize("command", ["PORT", "EPRT"])
def test_allow_foreign_address_on(lab, command):
    b = lab.backend()
    data = os.urandom(300_000)
    b.put_file("f.bin", data)
    p = lab.proxy(b, outside="AllowForeignAddress on")
    f = H.connect(p)
    try:
        got, _ = active_retr(f, command, "127.0.0.2", "f.bin")
        assert got == data
    finally:
        H.bye(f)


CLASSES = """
<Class data-hosts>
  From 127.0.0.2
</Class>
<Class other-hosts>
  From 127.0.0.3
</Class>
"""


@pytest.mark.parametrize("command", ["PORT", "EPRT"])
def test_allow_foreign_address_class_is_matched_by_the_foreign_address(lab, command):
    """AllowForeignAddress <class> (ProFTPD 1.3.7+, upstream issue #223): the
    foreign address is allowed when it satisfies the class; the client's own
    class does not matter."""
    b = lab.backend()
    data = os.urandom(200_000)
    b.put_file("f.bin", data)
    p = lab.proxy(b, outside=CLASSES + "AllowForeignAddress data-hosts")
    f = H.connect(p)
    try:
        got, _ = active_retr(f, command, "127.0.0.2", "f.bin")
        assert got == data
        with pytest.raises(ftplib.error_perm) as refused:
            active_retr(f, command, "127.0.0.3", "f.bin")
        assert str(refused.value) == f"500 Illegal {command} command"
        # The client's own address is always fine.
        got, _ = active_retr(f, command, "127.0.0.1", "f.bin")
        assert got == data
    finally:
        H.bye(f)


def test_allow_foreign_address_class_for_passive_data_connections(lab):
    """PASV/EPSV data connections from another address than the client's are
    checked as core checks them (pr_inet_accept): allowed when the address
    satisfies the class, else refused with core's log line."""
    b = lab.backend()
    data = os.urandom(150_000)
    b.put_file("f.bin", data)
    p = lab.proxy(b, outside=CLASSES + "AllowForeignAddress data-hosts")
    f = H.connect(p)
    try:
        for source, allowed in (("127.0.0.2", True), ("127.0.0.3", False)):
            port = pasv_port(f.sendcmd("EPSV"))
            with socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0)) as d:
                f.putcmd("RETR f.bin")
                if allowed:
                    assert f.getresp().startswith("150")
                    assert b"".join(iter(lambda: d.recv(65536), b"")) == data
                    assert f.voidresp().startswith("226")
                else:
                    replies = [f.getmultiline(), f.getmultiline()]
                    assert replies[0].startswith("150") and replies[1].startswith("425"), replies
    finally:
        H.bye(f)
    assert ("SECURITY VIOLATION: Passive connection from foreign IP address 127.0.0.3 rejected "
            "(does not match <Class data-hosts>)") in p.read("stderr.log")


def test_allow_foreign_address_unknown_class_refuses(lab):
    b = lab.backend()
    b.put_file("f.bin", b"x")
    p = lab.proxy(b, outside=CLASSES + "AllowForeignAddress no-such-class")
    f = H.connect(p)
    try:
        assert ask(f, "EPRT |1|127.0.0.2|40000|") == "500 Illegal EPRT command"
    finally:
        H.bye(f)


# ----------------------------------------------------------- address families

def _transfer_round(f, b, tag):
    data = os.urandom(1 * H.MiB + 333)
    b.put_file(f"{tag}.bin", data)
    assert H.retr_bytes(f, f"{tag}.bin") == data
    up = os.urandom(700_000)
    f.storbinary(f"STOR {tag}-up.bin", io.BytesIO(up))
    with open(b.home_path(f"{tag}-up.bin"), "rb") as fh:
        assert H.sha256_bytes(fh.read()) == H.sha256_bytes(up)
    assert f"{tag}.bin" in [os.path.basename(n) for n in f.nlst()]


V6_TO_V4 = ("the backend connection is bound to the frontend's IPv6 address "
            "('consider using ProxySourceAddress'), so an IPv4 backend is never reached")


@pytest.mark.reference_bug(V6_TO_V4)
@pytest.mark.parametrize("mode", ["EPSV", "EPRT"])
def test_ipv6_client_ipv4_backend(lab, mode):
    """Upstream issue #158: an IPv6 client's EPRT/EPSV with an IPv4 backend."""
    b = lab.backend()
    p = lab.proxy(b, host="::1")
    f = H.connect(p, mode=mode)
    try:
        assert f.sock.family == socket.AF_INET6
        _transfer_round(f, b, f"v6-{mode}")
    finally:
        H.bye(f)


@pytest.mark.reference_bug("a proxy on an IPv4 address never reaches an IPv6 backend "
                            "(the backend connection is bound to the frontend's address family)")
@pytest.mark.parametrize("mode", MODES)
def test_ipv4_client_ipv6_backend(lab, mode):
    b = lab.backend(host="::1")
    p = lab.proxy(b, outside="UseIPv6 on")     # for the [::1] backend URL
    f = H.connect(p, mode=mode)
    try:
        _transfer_round(f, b, f"v4-{mode}")
    finally:
        H.bye(f)


@pytest.mark.parametrize("mode", MODES)
def test_ipv4_mapped_client_ipv4_backend(lab, mode):
    """The proxy listens on ::ffff:127.0.0.1: an IPv4 client arrives as an
    IPv4-mapped IPv6 peer; every data mode works toward an IPv4 backend."""
    b = lab.backend()
    p = lab.proxy(b, host="::ffff:127.0.0.1")
    f = H.ModeFTP(mode, timeout=30)
    f.connect("127.0.0.1", p.port)
    try:
        f.login(H.USER, H.PASSWORD)
        f.voidcmd("TYPE I")
        assert f.sock.family == socket.AF_INET
        _transfer_round(f, b, f"mapped-{mode}")
    finally:
        H.bye(f)


@pytest.mark.reference_bug("an EPRT naming an IPv4-mapped address never gets its data connection "
                            "(upstream issue #158)")
def test_ipv4_mapped_eprt_address_is_the_clients_own(lab):
    """EPRT |2|::ffff:127.0.0.1|port| from a mapped client names the client's
    own host; the proxy sends the IPv4 backend an IPv4 EPRT/PORT."""
    b = lab.backend()
    data = os.urandom(100_000)
    b.put_file("f.bin", data)
    p = lab.proxy(b, host="::ffff:127.0.0.1")
    f = H.connect(p)      # an AF_INET6 socket to ::ffff:127.0.0.1
    try:
        assert f.sock.family == socket.AF_INET6
        got, _ = active_retr(f, "EPRT", "::ffff:127.0.0.1", "f.bin", family=socket.AF_INET6)
        assert got == data
        got, _ = active_retr(f, "EPRT", "127.0.0.1", "f.bin")
        assert got == data
    finally:
        H.bye(f)


@pytest.mark.reference_bug("the 501 is logged but never sent: the client waits for a reply")
def test_ipv6_client_pasv_is_refused_as_upstream(lab):
    b = lab.backend(host="::1")
    p = lab.proxy(b, host="::1")
    f = H.connect(p, mode="EPSV")
    try:
        assert ask(f, "PASV") == "501 PASV: Operation not permitted"
        assert ask(f, "PORT 127,0,0,1,156,64") == "500 Illegal PORT command"
    finally:
        H.bye(f)
    assert "Unable to handle PASV for IPv6 address '::1'" in p.read("proxy.log")


# ----------------------------------------------------------- PassivePorts, MasqueradeAddress

def test_passive_listeners_use_the_proxys_passive_ports(lab):
    b = lab.backend()
    b.put_file("f.txt", b"ports\n")
    p = lab.proxy(b)
    f = H.connect(p)
    try:
        for _ in range(6):
            for cmd in ("PASV", "EPSV"):
                port = pasv_port(f.sendcmd(cmd))
                assert p.pasv[0] <= port <= p.pasv[1], (cmd, port, p.pasv)
        f.set_mode("EPSV")
        assert H.retr_bytes(f, "f.txt") == b"ports\n"
        assert p.pasv[0] <= pasv_port([r for r in f.replies if r.startswith("229")][-1]) <= p.pasv[1]
    finally:
        H.bye(f)


@pytest.mark.parametrize("mode", ["PORT", "EPRT"])
def test_backend_side_listeners_use_the_proxys_passive_ports(lab, mode):
    """As upstream (proxy_ftp_conn_listen): the proxy's own listener for the
    backend's active data connection is in the proxy's PassivePorts too."""
    b = lab.backend()
    b.put_file("f.txt", b"backend side\n")
    p = lab.proxy(b)
    f = H.connect(p, mode=mode)
    try:
        for _ in range(4):
            assert H.retr_bytes(f, "f.txt") == b"backend side\n"
    finally:
        H.bye(f)
    b.wait_no_sessions()
    sent = [ln.split()[-1] for ln in b.read("extended.log").splitlines() if ln.startswith(mode + " ")]
    assert len(sent) == 4, b.read("extended.log")
    ports = [int(x.split("|")[3]) if mode == "EPRT" else int(x.split(",")[4]) * 256 + int(x.split(",")[5])
             for x in sent]
    assert all(p.pasv[0] <= port <= p.pasv[1] for port in ports), (ports, p.pasv)


def test_exhausted_passive_ports_fall_back_to_any_port(lab):
    """As core_pasv: a PassivePorts range with no free port is a warning."""
    b = lab.backend()
    b.put_file("f.txt", b"fallback\n")
    p = lab.proxy(b)
    held = []
    try:
        for port in range(p.pasv[0], p.pasv[1] + 1):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:         # someone else's: taken for the proxy too
                s.close()
                continue
            s.listen(1)
            held.append(s)
        f = H.connect(p)
        try:
            reply = f.sendcmd("PASV")
            assert not p.pasv[0] <= pasv_port(reply) <= p.pasv[1], reply
            assert H.retr_bytes(f, "f.txt") == b"fallback\n"
        finally:
            H.bye(f)
    finally:
        for s in held:
            s.close()
    assert (f"unable to find open port in PassivePorts range {p.pasv[0]}-{p.pasv[1]}: "
            "defaulting to INPORT_ANY") in p.read("stderr.log")


def test_masquerade_address_in_pasv_replies(lab):
    b = lab.backend()
    data = os.urandom(50_000)
    b.put_file("f.bin", data)
    p = lab.proxy(b, outside="MasqueradeAddress 127.0.0.9")
    plain = lab.backend(name="plain", extra="MasqueradeAddress 127.0.0.9")
    f, g = H.connect(p), H.connect(plain)
    try:
        reply = f.sendcmd("PASV")
        assert reply.startswith("227 Entering Passive Mode (127,0,0,9,"), reply
        # The same text as a plain server with the same MasqueradeAddress.
        assert re.sub(r",\d+,\d+\)", ")", reply) == re.sub(r",\d+,\d+\)", ")", g.sendcmd("PASV"))
        assert ask(f, "EPSV").startswith("229 Entering Extended Passive Mode (|||")
        assert H.retr_bytes(f, "f.bin") == data      # ftplib connects to the control peer
    finally:
        H.bye(f)
        H.bye(g)


# ----------------------------------------------------------- ProxyTimeoutLinger

@pytest.mark.swift_only
def test_linger_waits_for_a_late_final_reply(lab):
    """A backend's final reply that comes after the data, within
    ProxyTimeoutLinger, is the client's reply (not one of the proxy's)."""
    from test_hostile_peers import LOGIN, ScriptedBackend, _proxy_for
    data = os.urandom(100_000)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(15)

    def pasv(conn):
        port = listener.getsockname()[1]
        conn.sendall(b"227 Entering Passive Mode (127,0,0,1,%d,%d)\r\n" % (port >> 8, port & 255))

    def retr_late(conn):
        conn.sendall(b"150 Opening BINARY mode data connection\r\n")
        d, _ = listener.accept()
        with d:
            d.sendall(data)
        time.sleep(1.5)
        conn.sendall(b"226 Late but whole\r\n")

    steps = LOGIN + [(b"TYPE", b"200 Type set to I\r\n", False)] * 2 + [
        (b"PASV", pasv, False), (b"PWD", b'257 "/" is the current directory\r\n', False),
        (b"RETR", retr_late, False), (b"NOOP", b"200 NOOP ok\r\n", False)]
    backend = ScriptedBackend(lab, steps)
    p = _proxy_for(lab, backend, extra="  ProxyTimeoutLinger 4")
    f = H.connect(p, mode="PASV", timeout=20)
    try:
        assert H.retr_bytes(f, "file.bin") == data
        assert f.replies[-1] == "226 Late but whole", f.replies
        assert f.sendcmd("NOOP") == "200 NOOP ok"
    finally:
        f.close()
        backend.close()
        listener.close()


# ----------------------------------------------------------- UseDirectDataTransfers

DIRECT = "  ProxyOptions UseDirectDataTransfers"


@pytest.fixture
def direct(lab):
    b = lab.backend()
    p = lab.proxy(b, extra=DIRECT)
    return b, p


@pytest.mark.parametrize("mode", MODES)
def test_direct_transfers_every_data_command(lab, mode):
    """The backend listens on 127.0.0.4, the proxy on 127.0.0.1: a data
    connection with 127.0.0.4 on its far end went to or came from the
    backend itself. (EPSV's 229 names no address: the client connects to
    the proxy's, so there the two share 127.0.0.1.)"""
    b = lab.backend(host="127.0.0.1" if mode == "EPSV" else "127.0.0.4")
    p = lab.proxy(b, extra=DIRECT)
    data = os.urandom(2 * H.MiB + 11)
    b.mkdir("dir")
    b.put_file("dir/f.bin", data)
    f = rconnect(p, mode)
    f.trust_server_pasv_ipv4_address = True     # connect where the 227 says
    try:
        f.cwd("dir")
        assert H.retr_bytes(f, "f.bin") == data
        assert H.retr_bytes(f, "f.bin", rest=1000) == data[1000:]
        up = os.urandom(900_001)
        f.storbinary("STOR up.bin", io.BytesIO(up))
        f.storbinary("APPE up.bin", io.BytesIO(b"tail"))
        with open(b.home_path("dir", "up.bin"), "rb") as fh:
            assert fh.read() == up + b"tail"
        reply = f.storbinary("STOU", io.BytesIO(b"unique"))
        assert reply.startswith("226"), reply
        names = sorted(os.path.basename(n) for n in f.nlst())
        assert "f.bin" in names and "up.bin" in names and len(names) == 3, names
        listing = H.lines_of(f, "LIST")
        assert len(listing) == 3 and any(ln.endswith(" f.bin") for ln in listing), listing
        facts = H.lines_of(f, "MLSD")
        assert any(ln.endswith("; f.bin") and "size=%d;" % len(data) in ln for ln in facts), facts
    finally:
        H.bye(f)
    if mode in ("PASV", "EPSV"):
        # Every passive port the client was given is one of the backend's.
        ports = [pasv_port(r) for r in f.replies if r[:3] in ("227", "229")]
        assert ports and all(b.pasv[0] <= x <= b.pasv[1] for x in ports), (ports, b.pasv)
        if mode == "PASV":
            assert all("(127,0,0,4," in r for r in f.replies if r.startswith("227")), f.replies
    else:
        assert len(f.data_peers) == 8 and all(peer[0] == "127.0.0.4" for peer in f.data_peers), f.data_peers
    if not lab.is_reference:
        log = p.read("proxy.log")
        assert "direct transfer: RETR 'f.bin'" in log
        assert not re.search(r"\]: transfer: ", log), log     # the proxied relay's line


def test_direct_epsv_with_a_backend_on_another_address_is_logged(lab):
    b = lab.backend(host="127.0.0.4")
    p = lab.proxy(b, extra=DIRECT)
    f = H.connect(p)
    try:
        reply = f.sendcmd("EPSV")
        assert reply.startswith("229 Entering Extended Passive Mode (|||"), reply
        assert b.pasv[0] <= pasv_port(reply) <= b.pasv[1]
    finally:
        H.bye(f)
    if not lab.is_reference:
        assert ("direct EPSV: the backend's 229 names no address, so the client connects to the "
                "proxy's address, not to the backend at 127.0.0.4") in p.read("proxy.log")


@pytest.mark.swift_only     # upstream sends the EPRT on as it is: an IPv4 backend answers 522
def test_direct_ipv4_mapped_eprt_goes_on_as_ipv4(lab):
    b = lab.backend()           # UseIPv6 off: it refuses EPRT |2|
    data = os.urandom(123_456)
    b.put_file("m.bin", data)
    p = lab.proxy(b, host="::ffff:127.0.0.1", extra=DIRECT)
    f = H.connect(p)            # an AF_INET6 socket to ::ffff:127.0.0.1
    try:
        got, peer = active_retr(f, "EPRT", "::ffff:127.0.0.1", "m.bin", family=socket.AF_INET6)
        assert got == data
    finally:
        H.bye(f)


def test_direct_pasv_reply_is_the_backends_own(direct):
    b, p = direct
    f = H.connect(p)
    try:
        reply = f.sendcmd("PASV")
        assert reply.startswith("227 Entering Passive Mode (127,0,0,1,"), reply
        assert b.pasv[0] <= pasv_port(reply) <= b.pasv[1]
    finally:
        H.bye(f)


def test_direct_ignores_data_transfer_policy(lab):
    b = lab.backend()
    b.put_file("f.txt", b"policy\n")
    p = lab.proxy(b, extra=DIRECT + "\n  ProxyDataTransferPolicy PORT")
    f = H.connect(p, mode="PASV")
    try:
        assert H.retr_bytes(f, "f.txt") == b"policy\n"
        port = pasv_port([r for r in f.replies if r.startswith("227")][-1])
        assert b.pasv[0] <= port <= b.pasv[1]
    finally:
        H.bye(f)


@pytest.mark.swift_only      # upstream sends the client's PORT/EPRT on unchecked
def test_direct_port_is_checked_at_the_proxy(lab):
    """The backend sees only the proxy's address, so the proxy applies its
    own AllowForeignAddress to the client's PORT/EPRT before sending it on."""
    b = lab.backend(extra="AllowForeignAddress on")
    p = lab.proxy(b, extra=DIRECT)
    f = H.connect(p)
    try:
        assert ask(f, "EPRT |1|127.0.0.2|40000|") == "500 Illegal EPRT command"
        assert ask(f, "PORT 127,0,0,2,156,64") == "500 Illegal PORT command"
        assert ask(f, "EPRT |1|127.0.0.1|80|") == "500 Illegal EPRT command"
        assert ask(f, "EPRT |7|127.0.0.1|40000|") == "522 Network protocol not supported, use (1)"
    finally:
        H.bye(f)


@pytest.mark.reference_bug("proxy_data_cmd waits for the final reply without reading the client's "
                            "commands, so ABOR is never seen")
def test_direct_abort_noop_stat_during_a_transfer(direct):
    b, p = direct
    data = os.urandom(64 * H.MiB)
    b.put_file("big.bin", data)
    b.put_file("small.txt", b"small\n")
    f = H.connect(p, mode="PASV")
    try:
        conn = f.transfercmd("RETR big.bin")
        first = conn.recv(65536)
        assert first
        assert f.sendcmd("NOOP").startswith("200")
        assert f.sendcmd("STAT") == "213 Status: data transfer in progress"
        replies = H.abort_transfer(f, conn)
        assert replies and replies[-1].startswith("2"), replies
        assert any(r.startswith("426") or r.startswith("451") for r in replies) or len(replies) == 1, replies
        assert H.retr_bytes(f, "small.txt") == b"small\n"
    finally:
        H.bye(f)


def test_direct_backend_error_reply_is_relayed(direct):
    b, p = direct
    f = H.connect(p)
    try:
        with pytest.raises(ftplib.error_perm) as err:
            H.retr_bytes(f, "missing.bin")
        assert str(err.value).startswith("550 missing.bin"), err.value
    finally:
        H.bye(f)


def test_direct_with_directory_list_policy_list_relays_mlsd(lab):
    """The listing does not pass the proxy, so it is the backend's own MLSD
    (ProFTPD's 'unique' fact, which the LIST translation never makes)."""
    b = lab.backend()
    b.put_file("m.txt", b"mlsd\n")
    p = lab.proxy(b, extra=DIRECT + "\n  ProxyDirectoryListPolicy LIST")
    f = H.connect(p)
    try:
        facts = H.lines_of(f, "MLSD")
        assert any(ln.endswith("; m.txt") and "unique=" in ln.lower() for ln in facts), facts
    finally:
        H.bye(f)


def test_direct_transfer_log(direct):
    """As upstream: the proxy never sees the bytes and writes no TransferLog
    line; the backend's own TransferLog has the transfer."""
    b, p = direct
    b.put_file("logged.bin", os.urandom(10_000))
    f = H.connect(p)
    try:
        H.retr_bytes(f, "logged.bin")
        f.storbinary("STOR logged-up.bin", io.BytesIO(b"u" * 777))
    finally:
        H.bye(f)
    p.wait_no_sessions()
    b.wait_no_sessions()
    assert "logged" not in p.read("xferlog")
    backend_lines = [ln.split() for ln in b.read("xferlog").splitlines() if "logged" in ln]
    assert [(x[7], os.path.basename(x[8]), x[11], x[-1]) for x in backend_lines] == [
        ("10000", "logged.bin", "o", "c"), ("777", "logged-up.bin", "i", "c")], backend_lines


def test_direct_curl_and_lftp(direct, tmp_path):
    b, p = direct
    data = os.urandom(3 * H.MiB + 1)
    b.put_file("c.bin", data)
    out = tmp_path / "c.bin"
    for extra in ([], ["--ftp-port", "-"], ["--disable-epsv"]):
        out.unlink(missing_ok=True)
        r = H.run(["curl", "-sS", "--fail", "--max-time", "60", *extra, "-o", str(out),
                   f"ftp://{H.USER}:{H.PASSWORD}@127.0.0.1:{p.port}/c.bin"], timeout=70)
        assert r.returncode == 0, (extra, r.stderr.decode(errors="replace"))
        assert out.read_bytes() == data
    up = tmp_path / "lftp-up.bin"
    up.write_bytes(os.urandom(1 * H.MiB + 5))
    for passive in ("on", "off"):
        script = (f"set ftp:passive-mode {passive}; set net:max-retries 1; set net:timeout 20; "
                  f"open -u {H.USER},{H.PASSWORD} ftp://127.0.0.1:{p.port}; "
                  f"put {up} -o lftp-{passive}.bin; get lftp-{passive}.bin -o {tmp_path}/back-{passive}.bin")
        r = H.run(["lftp", "-c", script], timeout=90)
        assert r.returncode == 0, (passive, r.stderr.decode(errors="replace"))
        assert (tmp_path / f"back-{passive}.bin").read_bytes() == up.read_bytes()


# ----------------------------------------------------------- UseDirectDataTransfers and TLS

from test_backend_tls import _ftps_client, _frontend_tls, _tls_backend, pki  # noqa: E402,F401
import tls_pki  # noqa: E402


@pytest.mark.parametrize("mode", ["PASV", "PORT"])
def test_direct_with_backend_tls_and_clear_data(lab, pki, mode):
    """TLS on the backend's control connection, data in clear
    (ProxyTLSTransferProtectionPolicy clear): the client's plain data
    connections meet the backend directly."""
    b = _tls_backend(lab, pki.server, required="ctrl")
    p = lab.proxy(b, tls_engine_off=False,
                  extra=f"  ProxyTLSCACertificateFile {pki.ca_cert}\n  ProxyTLSTransferProtectionPolicy clear\n" + DIRECT)
    data = os.urandom(1 * H.MiB + 3)
    b.put_file("t.bin", data)
    f = H.connect(p, mode=mode)
    try:
        assert H.retr_bytes(f, "t.bin") == data
        f.storbinary("STOR t-up.bin", io.BytesIO(data[:5000]))
    finally:
        H.bye(f)
    with open(b.home_path("t-up.bin"), "rb") as fh:
        assert fh.read() == data[:5000]


def test_direct_with_prot_p_handshakes_with_the_backend(lab, pki):
    """PROT P under UseDirectDataTransfers: the client's TLS data handshake
    is with the backend (policy client passes the PROT P on), which must
    accept a session it did not start (TLSOptions NoSessionReuseRequired);
    a backend with mod_tls's default refuses it."""
    b = _tls_backend(lab, pki.server, required="on", extra="  TLSOptions NoSessionReuseRequired")
    p = lab.proxy(b, tls_engine_off=False, outside=_frontend_tls(pki, lab),
                  extra=f"  ProxyTLSCACertificateFile {pki.ca_cert}\n  ProxyTLSTransferProtectionPolicy client\n" + DIRECT)
    data = os.urandom(700_001)
    b.put_file("p.bin", data)
    f = _ftps_client(p, prot_p=True)
    try:
        buf = []
        f.retrbinary("RETR p.bin", buf.append)
        assert b"".join(buf) == data
        f.storbinary("STOR p-up.bin", io.BytesIO(data[:3000]))
    finally:
        H.bye(f)
    with open(b.home_path("p-up.bin"), "rb") as fh:
        assert fh.read() == data[:3000]
    # the data handshakes were the backend's (its TLSLog), not the proxy's
    assert "data connection" in open(b.tls_log).read().lower()


def test_direct_prot_p_against_a_backend_requiring_session_reuse_fails_cleanly(lab, pki):
    b = _tls_backend(lab, pki.server, required="on")      # mod_tls's default: data must resume the control session
    p = lab.proxy(b, tls_engine_off=False, outside=_frontend_tls(pki, lab),
                  extra=f"  ProxyTLSCACertificateFile {pki.ca_cert}\n  ProxyTLSTransferProtectionPolicy client\n" + DIRECT)
    b.put_file("p.bin", b"p" * 1000)
    b.put_file("q.txt", b"q\n")
    f = _ftps_client(p, prot_p=True)
    try:
        with pytest.raises((ftplib.Error, OSError)) as failed:
            f.retrbinary("RETR p.bin", lambda _: None)
        if isinstance(failed.value, ftplib.Error):
            assert str(failed.value).startswith("425"), failed.value
        else:       # the TLS handshake failed first: the backend's 425 follows
            assert f.getresp().startswith("425")
        # The session goes on.
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)
    assert "reuse" in open(b.tls_log).read().lower()


@pytest.mark.reference_bug("TLSMasqueradeAddress is not used (lib/proxy/ftp/msg.c: "
                            "'TODO What about TLSMasqueradeAddress?')")
def test_tls_masquerade_address_in_ftps_sessions(lab, pki):
    """As core_pasv: TLSMasqueradeAddress in an FTPS session, else
    MasqueradeAddress."""
    b = lab.backend()
    b.put_file("f.txt", b"masq\n")
    front = tls_pki.backend_tls_block(pki.server, os.path.join(lab.dir, "front-tls.log"), required="off",
                                      extra="  TLSOptions NoSessionReuseRequired\n  TLSMasqueradeAddress 127.0.0.8")
    p = lab.proxy(b, outside=front + "\nMasqueradeAddress 127.0.0.9")
    tls, plain = _ftps_client(p), H.connect(p)
    try:
        assert tls.sendcmd("PASV").startswith("227 Entering Passive Mode (127,0,0,8,")
        assert plain.sendcmd("PASV").startswith("227 Entering Passive Mode (127,0,0,9,")
        assert H.retr_bytes(tls, "f.txt") == b"masq\n"
    finally:
        H.bye(tls)
        H.bye(plain)


@pytest.mark.swift_only     # forward proxying is checked against the reference by hand (test_forward_proxy.py)
@pytest.mark.parametrize("mode", ["PASV", "EPRT"])
def test_direct_transfers_in_forward_proxying(lab, mode):
    """The spec: direct data transfers for both proxy roles."""
    from test_forward_proxy import dest_of, forward_proxy
    b = lab.backend(host="127.0.0.4")
    data = os.urandom(1 * H.MiB + 9)
    b.put_file("fwd.bin", data)
    p = forward_proxy(lab, extra=DIRECT)
    f = RecordingFTP(mode, timeout=30)
    f.trust_server_pasv_ipv4_address = True
    f.connect(p.host, p.port)
    try:
        f.login(f"{H.USER}@{dest_of(b)}", H.PASSWORD)
        f.voidcmd("TYPE I")
        assert H.retr_bytes(f, "fwd.bin") == data
        f.storbinary("STOR fwd-up.bin", io.BytesIO(data[:4096]))
    finally:
        H.bye(f)
    with open(b.home_path("fwd-up.bin"), "rb") as fh:
        assert fh.read() == data[:4096]
    if mode == "PASV":
        assert all("(127,0,0,4," in r for r in f.replies if r.startswith("227")), f.replies
    else:
        assert len(f.data_peers) == 2 and all(peer[0] == "127.0.0.4" for peer in f.data_peers), f.data_peers
