"""FTPS: the client side is terminated by mod_tls on the proxy; the backend side
by the module's own TLS client (ProxyTLSEngine)."""
import ftplib
import io
import socket
import os
import time
import ssl

import pytest

import harness as H


def _tls_block(cert, logfile):
    return f"""<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired off
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile {cert[0]}
  TLSRSACertificateKeyFile {cert[1]}
  TLSOptions NoSessionReuseRequired
  TLSLog {logfile}
</IfModule>"""


@pytest.fixture(scope="module")
def cert(suite):
    return H.make_self_signed_cert(os.path.join(suite.root, "cert"))


def _ftps(daemon):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = ftplib.FTP_TLS(context=ctx, timeout=30)
    f.connect(daemon.host, daemon.port)
    f.auth()
    f.login(H.USER, H.PASSWORD)
    f.prot_p()
    return f


def test_frontend_ftps_to_plain_backend(lab, cert):
    b = lab.backend()
    data = os.urandom(2 * H.MiB + 3)
    b.put_file("secret.bin", data)
    p = lab.proxy(b, outside=_tls_block(cert, os.path.join(lab.dir, "proxy-tls.log")))
    f = _ftps(p)
    try:
        assert isinstance(f.sock, ssl.SSLSocket)
        buf = []
        f.retrbinary("RETR secret.bin", buf.append)
        assert b"".join(buf) == data
        assert f.pwd() == b.home
    finally:
        H.bye(f)
    # the bytes came from the backend over its plain session
    assert "secret.bin" in b.read("xferlog")


def test_backend_ftps_with_proxy_tls_engine_on(lab, cert):
    blog = os.path.join(lab.dir, "backend-tls.log")
    b = lab.backend(modules=("mod_tls.c",), extra=_tls_block(cert, blog))
    data = os.urandom(H.MiB + 11)
    b.put_file("over-tls.bin", data)
    p = lab.proxy(b, tls_engine_off=False,
                  extra="  ProxyTLSEngine on\n  ProxyTLSVerifyServer off")
    f = H.connect(p)
    try:
        assert H.retr_bytes(f, "over-tls.bin") == data
    finally:
        H.bye(f)
    log = open(blog).read() if os.path.exists(blog) else ""
    # mod_tls on the backend saw the proxy's AUTH TLS, PROT P and a TLS data channel
    assert "TLS/TLS-C requested" in log, log
    assert "Protection set to Private" in log, log
    assert "data connection accepted" in log, log


class _ImplicitFTPS(ftplib.FTP_TLS):
    """ftplib has no implicit FTPS: TLS from the first byte."""

    def connect(self, host, port, timeout=30):
        self.host, self.port, self.timeout = host, port, timeout
        raw = socket.create_connection((host, port), timeout)
        self.sock = self.context.wrap_socket(raw, server_hostname=host)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


@pytest.mark.swift_only
def test_implicit_ftps_frontend_whatever_the_load_order(lab, cert):
    """The harness loads mod_tls before mod_proxy: upstream documents that
    implicit FTPS then breaks (mod_proxy would send the banner before mod_tls's
    handshake). This module reorders the session inits itself."""
    b = lab.backend()
    data = os.urandom(3 * H.MiB + 5)
    b.put_file("implicit.bin", data)
    block = _tls_block(cert, os.path.join(lab.dir, "proxy-tls.log")).replace(
        "TLSOptions NoSessionReuseRequired", "TLSOptions NoSessionReuseRequired UseImplicitSSL")
    p = lab.proxy(b, outside=block, start=False)
    p.start(wait=False)     # the harness's plain probe would get no banner
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = _ImplicitFTPS(context=ctx, timeout=30)
    welcome = None
    end = time.monotonic() + 20
    while welcome is None:
        try:
            welcome = f.connect(p.host, p.port)
        except ConnectionRefusedError:
            assert time.monotonic() < end, "proxy did not start listening"
            time.sleep(0.1)
    try:
        assert welcome.startswith("220") and H.BACKEND_IDENT in welcome, welcome
        f.login(H.USER, H.PASSWORD)
        f.prot_p()
        buf = []
        f.retrbinary("RETR implicit.bin", buf.append)
        assert b"".join(buf) == data
        f.storbinary("STOR up-implicit.bin", io.BytesIO(data))
        assert H.sha256_file(b.home_path("up-implicit.bin")) == H.sha256_bytes(data)
    finally:
        H.bye(f)
