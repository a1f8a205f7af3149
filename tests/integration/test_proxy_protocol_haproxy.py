"""HAProxy (mode tcp, send-proxy / send-proxy-v2) in front of proftpd with
mod_proxy_protocol: plain FTP, explicit FTPS (AUTH TLS), implicit FTPS and
SFTP all work through it, and the daemon logs the real client, not HAProxy.

The client binds 127.0.0.5 so its address differs from HAProxy's (127.0.0.1);
the logged port must be the client socket's own. Data connections go straight
to proftpd (HAProxy only fronts the control port), as in the spec's FAQ.

Every test runs twice: with `LoadModule mod_proxy_protocol.c` before
mod_tls/mod_sftp (upstream needs it last; this module moves itself first) and
after them.
"""
import io
import os
import ssl

import pytest

import harness as H
import pp_helpers as P

pytestmark = pytest.mark.swift_only

CLIENT = "127.0.0.5"
SNI = "ftp.example.test"

ORDERS = {
    "pp-loaded-first": ("mod_proxy_protocol.c", "mod_tls.c", "mod_sftp.c"),
    "pp-loaded-last": ("mod_tls.c", "mod_sftp.c", "mod_proxy_protocol.c"),
}


class Site:
    """proftpd (FTP+explicit FTPS on the main port, an implicit-FTPS vhost,
    an SFTP vhost) behind one HAProxy with a frontend per case."""


@pytest.fixture(scope="module", params=sorted(ORDERS))
def site(suite, request):
    if not os.path.exists(P.HAPROXY):
        pytest.skip("haproxy is not installed")
    order = request.param
    lab = P.SharedLab(suite, f"pp-haproxy-{order}")
    hap = P.HAProxy(lab.dir)
    try:
        yield _build_site(lab, hap, order)
    finally:
        hap.stop()
        problems = lab.shutdown()
    assert not problems, problems


def _build_site(lab, hap, order):
    cert = H.make_self_signed_cert(os.path.join(lab.dir, "cert"))
    host_key = P.make_host_key(os.path.join(lab.dir, "hostkey"))
    s = P.PPServer(lab, name="ftpd", modules=ORDERS[order],
                   extra=P.tls_block(cert, os.path.join(lab.dir, "tls.log")))
    P.track(lab, s)
    implicit, s.implicit_port = s.vhost(P.tls_block(cert, os.path.join(lab.dir, "tls-implicit.log"),
                                                    implicit=True), name="implicit")
    sftp, s.sftp_port = s.vhost(P.sftp_block(host_key, os.path.join(lab.dir, "sftp.log")), name="sftp")
    s.add(implicit + sftp)
    s.start()
    s.data = os.urandom(300_000)
    s.put_file("f.bin", s.data)

    pem = os.path.join(lab.dir, "cert", "haproxy.pem")
    with open(pem, "w") as out:
        out.write(open(cert[0]).read() + open(cert[1]).read())
    site = Site()
    site.order, site.srv, site.hap = order, s, hap
    port = lab.ports.port
    site.ftp_v1 = hap.add(port(), f"127.0.0.1:{s.port} send-proxy")
    site.ftp_v2 = hap.add(port(), f"127.0.0.1:{s.port} send-proxy-v2")
    site.implicit_v2 = hap.add(port(), f"127.0.0.1:{s.implicit_port} send-proxy-v2")
    site.implicit_v1 = hap.add(port(), f"127.0.0.1:{s.implicit_port} send-proxy")
    site.sftp_v1 = hap.add(port(), f"127.0.0.1:{s.sftp_port} send-proxy")
    site.sftp_v2 = hap.add(port(), f"127.0.0.1:{s.sftp_port} send-proxy-v2")
    # HAProxy terminates TLS itself and tells proftpd about it in TLVs
    site.tls_term = hap.add(port(), f"127.0.0.1:{s.port} send-proxy-v2-ssl "
                                    "proxy-v2-options ssl,ssl-cipher,authority,crc32c,unique-id",
                            bind_opts=f"ssl crt {pem}",
                            frontend_extra='unique-id-format "hap-%ci-%cp"')
    hap.start()
    return site


@pytest.fixture
def mark(site):
    srv = site.srv
    assert srv.alive() and site.hap.proc.poll() is None, srv.logs() + site.hap.output()
    assert srv.wait_no_sessions(10), srv.session_children()
    m = srv.log_mark()
    yield m
    assert srv.wait_no_sessions(10), srv.session_children()
    assert not srv.crash_reports(), srv.crash_reports()


def _seen_as(srv, mark, cmd, client_port, proto, server="pp-ftpd"):
    """The ExtendedLog line for cmd names the client (127.0.0.5:client_port)."""
    lines = [e for e in srv.entries(mark) if e["cmd"] == cmd]
    assert lines, f"no {cmd} logged:\n" + srv.since(mark, "pp.log") + srv.since(mark, "server")
    e = lines[-1]
    assert (e["addr"], e["host"], e["port"], e["proto"], e["server"]) == \
        (CLIENT, CLIENT, str(client_port), proto, server), e
    log = srv.since(mark, "server")
    assert f"{P.UPDATED}{CLIENT}:{client_port} (WAS 127.0.0.1)" in log, log
    return e


@pytest.mark.parametrize("fe", ["ftp_v1", "ftp_v2"])
def test_plain_ftp_through_haproxy(site, mark, fe):
    srv = site.srv
    f = P.ftp_session(getattr(site, fe), source=CLIENT)
    cport = f.sock.getsockname()[1]
    try:
        assert f.welcome.startswith("220 pp-ftpd-ident"), f.welcome
        assert f.pwd() == srv.home
        assert P.retr(f, "f.bin") == srv.data
        up = os.urandom(100_000)
        f.storbinary(f"STOR up-{fe}-{site.order}.bin", io.BytesIO(up))
        with open(os.path.join(srv.home, f"up-{fe}-{site.order}.bin"), "rb") as got:
            assert got.read() == up
    finally:
        H.bye(f)
    _seen_as(srv, mark, "PWD", cport, "ftp")
    hosts = srv.xfer_hosts(mark)
    assert (CLIENT, srv.home + "/f.bin") in hosts, hosts



def _login_pwd_retr_over_tls(f, srv):
    """Login, PROT P, PWD and a protected download on an FTPS session."""
    f.login(H.USER, H.PASSWORD)
    f.prot_p()
    assert f.pwd() == srv.home
    buf = []
    f.retrbinary("RETR f.bin", buf.append)
    assert b"".join(buf) == srv.data


@pytest.mark.parametrize("fe", ["ftp_v1", "ftp_v2"])
def test_explicit_ftps_through_haproxy(site, mark, fe):
    srv = site.srv
    f = P.HeaderFTPTLS(source=CLIENT)
    f.connect("127.0.0.1", getattr(site, fe))
    cport = f.sock.getsockname()[1]
    try:
        assert f.welcome.startswith("220 pp-ftpd-ident"), f.welcome
        f.auth()
        assert isinstance(f.sock, ssl.SSLSocket)
        _login_pwd_retr_over_tls(f, srv)
    finally:
        H.bye(f)
    _seen_as(srv, mark, "PWD", cport, "ftps")
    assert (CLIENT, srv.home + "/f.bin") in srv.xfer_hosts(mark)


@pytest.mark.parametrize("fe", ["implicit_v1", "implicit_v2"])
def test_implicit_ftps_through_haproxy(site, mark, fe):
    """The PROXY header comes before the TLS ClientHello: mod_proxy_protocol
    must read it before mod_tls starts the implicit handshake."""
    srv = site.srv
    f = P.HeaderFTPTLS(implicit=True, source=CLIENT)
    f.connect("127.0.0.1", getattr(site, fe))
    cport = f.sock.getsockname()[1]
    try:
        assert isinstance(f.sock, ssl.SSLSocket)
        assert f.welcome.startswith("220 implicit-ident"), f.welcome
        _login_pwd_retr_over_tls(f, srv)
    finally:
        H.bye(f)
    _seen_as(srv, mark, "PWD", cport, "ftps", server="implicit")


@pytest.mark.parametrize("fe", ["sftp_v1", "sftp_v2"])
def test_sftp_through_haproxy(site, mark, fe):
    """The PROXY header comes before the SSH version exchange."""
    srv = site.srv
    t, sftp = P.sftp_session(getattr(site, fe), source=CLIENT)
    cport = t.sock.getsockname()[1]
    try:
        assert t.remote_version.startswith("SSH-2.0-"), t.remote_version
        with sftp.open("f.bin", "rb") as fh:
            assert fh.read() == srv.data
        assert sftp.normalize(".") == srv.home
    finally:
        sftp.close()
        t.close()
    assert srv.wait_no_sessions(10)
    entries = [e for e in srv.entries(mark) if e["proto"] == "sftp"]
    assert entries, srv.since(mark, "pp.log") + srv.since(mark, "server")
    for e in entries:
        assert (e["addr"], e["port"], e["server"]) == (CLIENT, str(cport), "sftp"), e
    assert f"{P.UPDATED}{CLIENT}:{cport} (WAS 127.0.0.1)" in srv.since(mark, "server")
    assert (CLIENT, srv.home + "/f.bin") in srv.xfer_hosts(mark), srv.since(mark, "xferlog")


def test_haproxy_tls_termination_tlvs_become_notes(site, mark):
    """HAProxy ends the client's TLS and sends PROXY v2 with SSL, cipher,
    authority (SNI), unique-id and CRC32C TLVs; proftpd serves plain FTP and
    logs the TLS facts as notes."""
    srv = site.srv
    f = P.HeaderFTPTLS(implicit=True, source=CLIENT, sni=SNI)
    f.connect("127.0.0.1", site.tls_term)
    cport = f.sock.getsockname()[1]
    version, cipher = f.sock.version(), f.sock.cipher()[0]
    try:
        assert f.welcome.startswith("220 pp-ftpd-ident"), f.welcome
        f.login(H.USER, H.PASSWORD)
        assert f.pwd() == srv.home
        # plain data connection straight to proftpd (no PROT P: proftpd has no TLS here)
        buf = []
        f.retrbinary("RETR f.bin", buf.append)
        assert b"".join(buf) == srv.data
    finally:
        H.bye(f)
    e = _seen_as(srv, mark, "PWD", cport, "ftp")
    assert e["tls.version"] == version, e
    assert e["tls.cipher"] == cipher, e
    assert e["authority"] == SNI, e
    assert e["unique-id"] == f"hap-{CLIENT}-{cport}", e
