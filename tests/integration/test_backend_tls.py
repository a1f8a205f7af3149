"""[swift-only] TLS toward backends: ProxyTLSEngine, ftps:// URLs, data
protection with session reuse (the backends keep mod_tls's default, which
refuses data connections that do not resume the control session),
certificate verification, client certificates, protocols."""
import hashlib
import io
import os
import re
import signal
import ssl
import subprocess
import threading
import time

import pytest

import harness as H
import tls_pki
from test_hostile_peers import ScriptedBackend

pytestmark = pytest.mark.swift_only


@pytest.fixture(scope="module")
def pki(suite):
    return tls_pki.PKI(os.path.join(suite.root, "pki"))


def _tls_backend(lab, cert, name="tls-backend", **kw):
    log = os.path.join(lab.dir, f"{name}-tls.log")
    b = lab.backend(name=name, modules=("mod_tls.c",), extra=tls_pki.backend_tls_block(cert, log, **kw))
    b.tls_log = log
    return b


def _proxy(lab, servers, pki, extra="", **kw):
    lines = f"  ProxyTLSCACertificateFile {pki.ca_cert}\n{extra}"
    return lab.proxy(servers, tls_engine_off=False, extra=lines, **kw)


def _refused_with(p, backend_port, reason):
    """The client's first reply: a 421 naming the backend and the reason in
    short (the C module closes without a word); ProxyLog has the details."""
    code, text = H.first_reply(p)
    assert (code, text) == ("421", f"421 Service not available: TLS to backend 127.0.0.1:{backend_port} "
                                   f"failed: {reason}\r\n"), (code, text, p.read("proxy.log")[-1500:])


def _round_trip(p, mode="PASV", size=2 * H.MiB + 7, client=None):
    """STOR then RETR of random bytes through the proxy; returns the bytes."""
    data = os.urandom(size)
    f = client or H.connect(p, mode=mode)
    try:
        f.storbinary("STOR tls.bin", io.BytesIO(data))
        assert H.retr_bytes(f, "tls.bin") == data
    finally:
        H.bye(f)
    return data


@pytest.mark.parametrize("mode", ["PASV", "EPSV", "PORT", "EPRT"])
def test_auto_uses_tls_with_an_ftps_backend(lab, pki, mode):
    b = _tls_backend(lab, pki.server)   # TLSRequired on: nothing in clear is accepted
    p = _proxy(lab, b, pki)
    data = _round_trip(p, mode=mode)
    with open(b.home_path("tls.bin"), "rb") as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(data).digest()
    # many data connections in one session: each resumes a session the
    # backend still accepts (TLS 1.3 tickets are single-use)
    f = H.connect(p, mode=mode)
    try:
        for i in range(3):
            f.storbinary(f"STOR again{i}.bin", io.BytesIO(data[:100_000 + i]))
            listing = []
            f.retrlines("LIST", listing.append)
            assert any(line.endswith(f"again{i}.bin") for line in listing), listing
            assert H.retr_bytes(f, f"again{i}.bin") == data[:100_000 + i]
        names = f.nlst()
        assert {"tls.bin", "again0.bin", "again2.bin"} <= set(names), names
    finally:
        H.bye(f)
    log = p.read("proxy.log")
    assert "TLSv1.3" in log and "data protected" in log, log[-2000:]


def test_auto_goes_on_in_clear_with_a_plain_backend(lab, pki):
    b = lab.backend()
    p = _proxy(lab, b, pki)
    _round_trip(p, size=100_000)
    assert "refused AUTH TLS" in p.read("proxy.log")


def test_engine_on_refuses_a_plain_backend(lab, pki):
    b = lab.backend()
    p = _proxy(lab, b, pki, extra="  ProxyTLSEngine on", banner=False)
    _refused_with(p, b.port, "backend refused AUTH TLS (500) and TLS is required")
    assert "backend refused AUTH TLS (500 AUTH not understood) but TLS is required (ProxyTLSEngine on)" \
        in p.read("proxy.log")
    assert "USER" not in b.read("extended.log")


def test_ftps_url_never_goes_in_clear(lab, pki):
    b = lab.backend()
    p = _proxy(lab, [b.url.replace("ftp://", "ftps://")], pki, banner=False)
    _refused_with(p, b.port, "backend refused AUTH TLS (500) and TLS is required")
    assert "USER" not in b.read("extended.log")


def test_ftps_url_with_engine_off_is_skipped(lab, pki):
    plain = lab.backend(name="plain")
    tls = _tls_backend(lab, pki.server)
    p = _proxy(lab, [tls.url.replace("ftp://", "ftps://"), plain.url], pki, extra="  ProxyTLSEngine off")
    _round_trip(p, size=1000)
    assert "ftps:// requires TLS, and ProxyTLSEngine is off" in p.read("proxy.log")


def test_self_signed_backend_is_refused_without_its_ca(lab, pki):
    b = _tls_backend(lab, pki.self_signed)
    p = _proxy(lab, b, pki, banner=False)
    _refused_with(p, b.port, "certificate rejected: self-signed certificate")
    log = p.read("proxy.log")
    assert "certificate verification failed" in log and "ProxyTLSCACertificateFile" in log, log[-2000:]


@pytest.mark.parametrize("named_by", ["address", "host-name"])
def test_name_mismatch_is_refused_with_advice(lab, pki, named_by):
    b = _tls_backend(lab, pki.wrong_name)       # the certificate names other.example
    host = "127.0.0.1" if named_by == "address" else "localhost"
    p = _proxy(lab, [f"ftp://{host}:{b.port}"], pki, banner=False)
    code, text = H.first_reply(p)
    assert (code, text) == ("421", f"421 Service not available: TLS to backend {host}:{b.port} failed: "
                                   "certificate does not match the backend's name\r\n"), text
    log = p.read("proxy.log")
    mismatch = "IP address mismatch" if named_by == "address" else "hostname mismatch"
    assert mismatch in log and "ProxyTLSVerifyServer off" in log, log[-2000:]


def test_enable_diags_logs_the_handshake(lab, pki):
    b = _tls_backend(lab, pki.server)
    p = _proxy(lab, b, pki, extra="  ProxyTLSOptions EnableDiags")
    _round_trip(p, size=1000)
    log = p.read("proxy.log")
    assert "TLS diagnostics: handshake done" in log and "TLS diagnostics: SSLv3/TLS write client hello" in log, log[-2000:]
    quiet = _proxy(lab, b, pki, name="proxy2")
    _round_trip(quiet, size=1000)
    assert "TLS diagnostics" not in quiet.read("proxy.log")


@pytest.mark.parametrize("cache", [True, False])
def test_sessions_resume_across_proxy_sessions(lab, pki, cache):
    b = _tls_backend(lab, pki.server)
    p = _proxy(lab, b, pki, extra="" if cache else "  ProxyTLSOptions NoSessionCache")
    for _ in range(3):
        _round_trip(p, size=1000)
    resumed = p.read("proxy.log").count("(resumed session)")
    if cache:
        assert resumed >= 2, p.read("proxy.log")[-2000:]
        assert os.path.exists(os.path.join(p.tables, "proxy-tls.db"))
    else:
        assert resumed == 0, p.read("proxy.log")[-2000:]


def test_backend_tls_notes_for_logformat(lab, pki):
    b = _tls_backend(lab, pki.server)
    xlog = os.path.join(lab.dir, "notes.log")
    p = _proxy(lab, b, pki, outside=(
        'LogFormat tlsnotes "%{note:mod_proxy.backend-tls-protocol} %{note:mod_proxy.backend-tls-cipher}"\n'
        f"ExtendedLog {xlog} ALL tlsnotes"))
    _round_trip(p, size=1000)
    assert H.wait_until(lambda: os.path.exists(xlog) and "TLSv1.3 TLS_AES_256_GCM_SHA384" in open(xlog).read(), 5), \
        (open(xlog).read() if os.path.exists(xlog) else "no log")


def test_verify_off_accepts_any_certificate(lab, pki):
    b = _tls_backend(lab, pki.self_signed)
    p = _proxy(lab, b, pki, extra="  ProxyTLSVerifyServer off")
    _round_trip(p, size=300_000)


@pytest.mark.parametrize("form", ["file", "path"])
def test_revoked_backend_certificate_is_refused(lab, pki, form):
    revoked = pki.issue(f"revoked-{form}", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1")
    crl = pki.crl_revoking(revoked[0])
    if form == "path":
        # a hashed directory, as c_rehash / openssl rehash makes it
        d = lab.mkdir("crls")
        H.shutil.copy(crl, d)
        subprocess.run(["openssl", "rehash", d], check=True, capture_output=True)
        directive = f"ProxyTLSCARevocationPath {d}"
    else:
        directive = f"ProxyTLSCARevocationFile {crl}"
    bad = _tls_backend(lab, revoked, name="revoked-backend")
    p = _proxy(lab, bad, pki, extra=f"  {directive}", banner=False)
    _refused_with(p, bad.port, "certificate rejected: certificate revoked")
    assert "certificate revoked" in p.read("proxy.log"), p.read("proxy.log")[-1500:]
    # the CAs still count: a certificate the CRL does not list is fine
    good = _tls_backend(lab, pki.server, name="good-backend")
    ok = _proxy(lab, good, pki, name="proxy2", extra=f"  {directive}")
    _round_trip(ok, size=20_000)


@pytest.mark.parametrize("protocol", ["TLSv1.2", "TLSv1.3"])
def test_client_certificate_for_a_backend_that_asks(lab, pki, protocol):
    # TLS 1.2 refuses in the handshake, TLS 1.3 only at the first read after it
    asks = f"  TLSVerifyClient on\n  TLSCACertificateFile {pki.ca_cert}"
    b = _tls_backend(lab, pki.server, extra=asks, protocols=protocol)
    without = _proxy(lab, b, pki, banner=False)
    _refused_with(without, b.port, "backend requires a client certificate")
    assert "asked for a client certificate and none is configured" in without.read("proxy.log") \
        or "(configure ProxyTLSCertificateFile and ProxyTLSCertificateKeyFile)" in without.read("proxy.log"), \
        without.read("proxy.log")[-1500:]
    with_cert = _proxy(lab, b, pki, name="proxy2", extra=(
        f"  ProxyTLSCertificateFile {pki.client[0]}\n  ProxyTLSCertificateKeyFile {pki.client[1]}"))
    _round_trip(with_cert, size=50_000)


def test_key_that_does_not_match_fails_the_config_check(lab, pki):
    b = lab.backend()
    p = _proxy(lab, b, pki, start=False, extra=(
        f"  ProxyTLSCertificateFile {pki.client[0]}\n  ProxyTLSCertificateKeyFile {pki.server[1]}"))
    r = p.check_syntax()
    assert r.returncode != 0
    assert "ProxyTLSCertificateKeyFile" in r.stdout + r.stderr, r.stdout + r.stderr


def _psk_file(lab, mode=0o600):
    d = lab.mkdir(f"psk-{mode:o}")
    path = os.path.join(d, "psk.hex")
    with open(path, "w") as fh:
        fh.write(os.urandom(32).hex() + "\n")
    os.chmod(path, mode)
    return path


def test_pre_shared_key_backend(lab, pki):
    key = _psk_file(lab)
    log = os.path.join(lab.dir, "psk-tls.log")
    b = lab.backend(name="psk", modules=("mod_tls.c",), extra=f"""<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired on
  TLSProtocol TLSv1.2
  TLSCipherSuite PSK-AES256-GCM-SHA384
  TLSPreSharedKey proxy-identity hex:{key}
  # mod_tls wants a certificate configured; the PSK cipher suites use none
  TLSRSACertificateFile {pki.server[0]}
  TLSRSACertificateKeyFile {pki.server[1]}
  TLSLog {log}
</IfModule>""")
    p = _proxy(lab, b, pki, extra=(f"  ProxyTLSProtocol TLSv1.2\n  ProxyTLSCipherSuite PSK\n"
                                   f"  ProxyTLSPreSharedKey proxy-identity hex:{key}"))
    _round_trip(p, size=200_000)
    assert "TLSv1.2 PSK-AES256-GCM-SHA384" in p.read("proxy.log"), p.read("proxy.log")[-1500:]


def test_world_readable_pre_shared_key_fails_the_config_check(lab, pki):
    key = _psk_file(lab, mode=0o644)
    b = lab.backend()
    p = _proxy(lab, b, pki, start=False, extra=f"  ProxyTLSPreSharedKey proxy-identity hex:{key}")
    r = p.check_syntax()
    assert r.returncode != 0
    assert "ProxyTLSPreSharedKey" in r.stdout + r.stderr and "world-readable" in r.stdout + r.stderr, r.stdout + r.stderr


def test_protocols_must_overlap(lab, pki):
    b = _tls_backend(lab, pki.server, protocols="TLSv1.2")
    works = _proxy(lab, b, pki)
    _round_trip(works, size=1_000_003)   # several buffer fills with TLSv1.2 records
    assert "TLSv1.2" in works.read("proxy.log")
    refused = _proxy(lab, b, pki, name="proxy2", extra="  ProxyTLSProtocol TLSv1.3", banner=False)
    _refused_with(refused, b.port, "no TLS protocol version in common")
    assert "TLS handshake failed: error:" in refused.read("proxy.log")
    assert "(see ProxyTLSProtocol)" in refused.read("proxy.log")


def test_no_shared_cipher_is_a_plain_handshake_failure(lab, pki):
    b = _tls_backend(lab, pki.server, protocols="TLSv1.2", extra="  TLSCipherSuite AES128-SHA")
    p = _proxy(lab, b, pki, extra="  ProxyTLSProtocol TLSv1.2\n  ProxyTLSCipherSuite AES256-GCM-SHA384",
               banner=False)
    # the backend only says "handshake failure": the client is told no more
    _refused_with(p, b.port, "TLS handshake failed")
    assert "TLS handshake failed: error:0A000410:SSL routines::sslv3 alert handshake failure" in p.read("proxy.log")


def test_handshake_timeout_names_the_backend(lab, pki):
    """A backend that accepts AUTH TLS and then never answers the
    ClientHello: the handshake ends after ProxyTLSTimeoutHandshake."""
    stalls = ScriptedBackend(lab, [(None, b"220 stalling backend\r\n", False),
                                   (b"AUTH", b"234 go ahead\r\n", False)])
    p = _proxy(lab, [stalls.url], pki, extra="  ProxyTLSEngine on\n  ProxyTLSTimeoutHandshake 2", banner=False)
    started = H.time.monotonic()
    _refused_with(p, stalls.port, "TLS handshake timed out after 2s")
    assert H.time.monotonic() - started < 10
    assert "TLS handshake timed out after 2s (see ProxyTLSTimeoutHandshake)" in p.read("proxy.log")


def test_backend_closing_during_the_handshake(lab, pki):
    """A backend that accepts AUTH TLS and hangs up at the ClientHello."""
    closes = ScriptedBackend(lab, [(None, b"220 flaky backend\r\n", False),
                                   (b"AUTH", b"234 go ahead\r\n", True)])
    p = _proxy(lab, [closes.url], pki, extra="  ProxyTLSEngine on", banner=False)
    _refused_with(p, closes.port, "backend closed the connection during the TLS handshake")
    assert "TLS handshake failed: error:0A000126:SSL routines::unexpected eof while reading" in p.read("proxy.log")


def test_transfer_protection_policy_clear(lab, pki):
    b = _tls_backend(lab, pki.server, required="ctrl")
    p = _proxy(lab, b, pki, extra="  ProxyTLSTransferProtectionPolicy clear")
    _round_trip(p, size=500_000)
    assert "data clear" in p.read("proxy.log")


def _ftps_client(p, prot_p=True):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = H.ftplib.FTP_TLS(context=ctx, timeout=30)
    f.connect(p.host, p.port)
    f.auth()
    f.login(H.USER, H.PASSWORD)
    if prot_p:
        f.prot_p()
    return f


def _frontend_tls(pki, lab):
    return tls_pki.backend_tls_block(pki.server, os.path.join(lab.dir, "proxy-front-tls.log"), required="off",
                                     extra="  TLSOptions NoSessionReuseRequired")


@pytest.mark.parametrize("prot_p", [True, False])
def test_transfer_protection_policy_client_follows_the_client(lab, pki, prot_p):
    # TLSRequired on: the backend refuses clear data, so PROT P must have
    # been passed on; with ctrl, the client's PROT C leaves data clear.
    b = _tls_backend(lab, pki.server, required="on" if prot_p else "ctrl")
    p = _proxy(lab, b, pki, extra="  ProxyTLSTransferProtectionPolicy client", outside=_frontend_tls(pki, lab))
    f = _ftps_client(p, prot_p=prot_p)
    if not prot_p:
        f.prot_c()
    _round_trip(p, size=400_000, client=f)
    log = p.read("proxy.log")
    level = "P" if prot_p else "C"
    assert f"backend data {'protected' if prot_p else 'clear'} (client's PROT {level})" in log, log[-1500:]


def test_match_client_follows_the_client(lab, pki):
    b = _tls_backend(lab, pki.server, required="off")
    p = _proxy(lab, b, pki, extra="  ProxyTLSEngine MatchClient", outside=_frontend_tls(pki, lab))
    # a plain client: the backend stays in clear
    _round_trip(p, size=1000)
    assert "TLS/TLS-C requested" not in open(b.tls_log).read()
    # the client's AUTH TLS comes after the backend was connected: it follows
    _round_trip(p, size=300_000, client=_ftps_client(p))
    log = p.read("proxy.log")
    assert "upgraded to TLSv1.3 as the client's AUTH TLS" in log, log[-1500:]
    assert "TLS/TLS-C requested" in open(b.tls_log).read()


def test_match_client_failure_names_the_backend(lab, pki):
    b = lab.backend()      # no mod_tls: AUTH TLS is refused
    p = _proxy(lab, b, pki, extra="  ProxyTLSEngine MatchClient", outside=_frontend_tls(pki, lab))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = H.ftplib.FTP_TLS(context=ctx, timeout=30)
    f.connect(p.host, p.port)
    try:
        assert f.auth().startswith("234")
        with pytest.raises(H.ftplib.error_temp) as refused:
            f.getresp()
        assert str(refused.value) == (f"421 Service not available: TLS to backend 127.0.0.1:{b.port} failed: "
                                      "backend refused AUTH TLS (500) and TLS is required"), str(refused.value)
    finally:
        f.close()
    assert "could not (ProxyTLSEngine MatchClient): backend refused AUTH TLS (500 AUTH not understood)" \
        in p.read("proxy.log"), p.read("proxy.log")[-1500:]


def test_tls_on_both_sides(lab, pki):
    b = _tls_backend(lab, pki.server)
    p = _proxy(lab, b, pki, outside=_frontend_tls(pki, lab))
    data = _round_trip(p, size=5 * H.MiB + 1, client=_ftps_client(p))
    assert len(data) == 5 * H.MiB + 1


def test_abort_over_tls(lab, pki):
    b = _tls_backend(lab, pki.server)
    b.put_file("big.bin", os.urandom(64 * H.MiB))
    p = _proxy(lab, b, pki)
    f = H.connect(p)
    try:
        conn = f.transfercmd("RETR big.bin")
        conn.recv(65536)
        replies = H.abort_transfer(f, data_conn=conn)
        assert replies and replies[-1].startswith("2"), (replies, f.replies)
        try:
            noop = f.sendcmd("NOOP")
        except H.ftplib.Error as e:
            noop = str(e)
        assert noop.startswith("200"), (noop, f.replies, p.read("proxy.log")[-1500:])   # still in step
    finally:
        H.bye(f)


@pytest.mark.slow
@pytest.mark.parametrize("front", ["client-clear", "client-tls"])
@pytest.mark.parametrize("command", ["RETR", "STOR"])
def test_100mib_over_backend_tls(lab, pki, front, command):
    """100 MiB each way, PROT P toward a backend that requires TLS for data
    (TLSRequired on), the client in clear or with PROT P too; sha256 on
    both ends."""
    b = _tls_backend(lab, pki.server)
    size = 100 * H.MiB
    p = _proxy(lab, b, pki, outside=_frontend_tls(pki, lab) if front == "client-tls" else "")
    if command == "RETR":
        source = b.home_path("big.bin")
    else:
        source = os.path.join(lab.mkdir("upload"), "big.bin")
    digest = H.make_random_file(source, size)
    os.chown(source, H.NOBODY_UID, H.NOBODY_GID)
    if front == "client-tls":
        f = _ftps_client(p)
        f.sock.settimeout(120)
        f.voidcmd("TYPE I")
    else:
        f = H.connect(p, timeout=120)
    try:
        if command == "RETR":
            assert H.retr_digest(f, "big.bin") == (digest, size)
        else:
            reply = H.stor_file(f, "up-big.bin", source)
            assert reply.startswith("226"), reply
    finally:
        H.bye(f)
    if command == "STOR":
        assert os.path.getsize(b.home_path("up-big.bin")) == size
        assert H.sha256_file(b.home_path("up-big.bin")) == digest
    # toward the backend: TLS, PROT P (toward the client, ftplib's PROT P
    # wraps each data connection in TLS itself)
    log = p.read("proxy.log")
    assert "data protected" in log, log[-1500:]


# The TLS data path gathers records into large reads and writes
# (TLSBulkBuffers, DataRelay's top-up): every byte must still arrive, in
# order, whatever the sizes, pauses and aborts.

def _client_via_proxy_to_tls_backend(lab, pki, front_tls=False):
    """(backend, proxy, logged-in client in TYPE I): TLS toward the backend,
    and with `front_tls` between the client and the proxy too (PROT P)."""
    b = _tls_backend(lab, pki.server)
    p = _proxy(lab, b, pki, outside=_frontend_tls(pki, lab) if front_tls else "")
    f = _ftps_client(p) if front_tls else H.connect(p)
    f.voidcmd("TYPE I")
    return b, p, f


@pytest.mark.parametrize("front_tls", [False, True], ids=["tls-to-backend", "tls-both-sides"])
def test_sizes_around_the_record_and_buffer_sizes(lab, pki, front_tls):
    b, p, f = _client_via_proxy_to_tls_backend(lab, pki, front_tls)
    try:
        for size in (0, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 256 * 1024 + 1, 512 * 1024 + 3):
            data = os.urandom(size)
            f.storbinary(f"STOR s{size}.bin", io.BytesIO(data))
            with open(b.home_path(f"s{size}.bin"), "rb") as stored:
                assert stored.read() == data, size
            assert H.retr_bytes(f, f"s{size}.bin") == data, size
    finally:
        H.bye(f)


def _end_upload(conn):
    """The end of an upload: with TLS, close_notify first (as ftplib's
    storbinary does)."""
    if hasattr(conn, "unwrap"):
        conn = conn.unwrap()
    conn.close()


@pytest.mark.parametrize("front_tls", [False, True], ids=["tls-to-backend", "tls-both-sides"])
def test_paused_upload_reaches_the_backend_during_the_pause(lab, pki, front_tls):
    # Records wait in the proxy's write buffer for one large write; when the
    # client pauses they must go out, not wait for more. With TLS from the
    # client too, what the proxy's read buffer under mod_tls's session holds
    # must not wait for more either.
    b, p, f = _client_via_proxy_to_tls_backend(lab, pki, front_tls)
    first, rest = os.urandom(100_000), os.urandom(50_000)
    path = b.home_path("paused.bin")
    try:
        conn = f.transfercmd("STOR paused.bin")
        conn.sendall(first)
        got = H.wait_until(lambda: os.path.exists(path) and os.path.getsize(path) == len(first), 5)
        assert got, (os.path.exists(path) and os.path.getsize(path), p.read("proxy.log")[-1500:])
        conn.sendall(rest)
        _end_upload(conn)
        f.voidresp()
        with open(path, "rb") as stored:
            assert stored.read() == first + rest
    finally:
        H.bye(f)


def _abort_over_tls_control(f):
    """ABOR as a client with a TLS control connection sends it (no Telnet
    urgent data inside TLS); the replies until the first 2xx."""
    f.sock.sendall(b"ABOR\r\n")
    replies = []
    while not replies or replies[-1][:1] not in "25":
        replies.append(f.getmultiline())
    return replies


@pytest.mark.parametrize("front_tls,command", [(False, "STOR"), (True, "STOR"), (True, "RETR")],
                         ids=["tls-to-backend-STOR", "tls-both-sides-STOR", "tls-both-sides-RETR"])
def test_abort_over_tls_then_the_next_transfer(lab, pki, front_tls, command):
    # With TLS from the client too, the relay uses mod_tls's session of the
    # client's data connection itself (non-blocking, its own buffers): after
    # an ABOR in the middle, mod_tls closes it as usual. Either way the
    # backend answers 426 then 226 (its data connection is reset, never
    # ended as a complete upload), and the next data connection still
    # resumes the control connection's TLS session.
    b, p, f = _client_via_proxy_to_tls_backend(lab, pki, front_tls)
    b.put_file("big.bin", os.urandom(64 * H.MiB))
    try:
        conn = f.transfercmd(f"{command} {'big.bin' if command == 'RETR' else 'aborted.bin'}")
        if command == "RETR":
            conn.recv(65536)
        else:
            conn.sendall(os.urandom(4 * H.MiB))
        # The data connection stays open until the replies: closing it would
        # end the upload (EOF), racing the ABOR.
        replies = _abort_over_tls_control(f) if front_tls else H.abort_transfer(f)
        conn.close()
        assert [r[:3] for r in replies] == ["426", "226"], (replies, p.read("proxy.log")[-1500:])
        assert f.sendcmd("NOOP").startswith("200")
        data = os.urandom(700_000)
        f.storbinary("STOR after.bin", io.BytesIO(data))
        assert H.retr_bytes(f, "after.bin") == data
    finally:
        H.bye(f)


def test_tls_upload_cut_without_close_notify_fails_clearly(lab, pki):
    # An upload whose TLS ends without close_notify may have been cut short:
    # it fails with a reply that says so, ProxyLog has OpenSSL's reason, and
    # the session goes on.
    b, p, f = _client_via_proxy_to_tls_backend(lab, pki, front_tls=True)
    try:
        conn = f.transfercmd("STOR cut.bin")
        conn.sendall(os.urandom(300_000))
        conn.close()            # no unwrap(): no close_notify
        with pytest.raises(H.ftplib.error_temp) as failed:
            f.voidresp()
        assert str(failed.value).startswith("426 Transfer aborted: client data connection failed"), str(failed.value)
        assert "client TLS data connection" in p.read("proxy.log"), p.read("proxy.log")[-1500:]
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)


def test_throttled_upload_reaches_the_tls_backend_steadily(lab, pki):
    # TransferRate keeps the pace by sleeping: what waits in the write buffer
    # goes out first, rather than in buffer-sized bursts.
    b = _tls_backend(lab, pki.server)
    p = _proxy(lab, b, pki, outside="TransferRate STOR 50")
    path = b.home_path("slow.bin")
    payload = os.urandom(150 * 1024)       # 3 s at 50 KiB/s
    f = H.connect(p)
    try:
        f.voidcmd("TYPE I")
        conn = f.transfercmd("STOR slow.bin")
        sender = threading.Thread(target=conn.sendall, args=(payload,))
        sender.start()
        time.sleep(1.2)
        early = os.path.getsize(path) if os.path.exists(path) else 0
        sender.join(10)
        conn.close()
        f.voidresp()
        assert 10 * 1024 <= early < len(payload), early
        with open(path, "rb") as stored:
            assert stored.read() == payload
    finally:
        H.bye(f)


def test_slow_download_from_a_tls_backend_moves_steadily(lab, pki):
    # The relay waits for large batches from a TLS backend (SO_RCVLOWAT), but
    # never long: a backend that sends slowly is still passed on as it sends.
    b = _tls_backend(lab, pki.server, extra="  TransferRate RETR 50")   # 50 KiB/s
    payload = os.urandom(150 * 1024)
    b.put_file("slow.bin", payload)
    p = _proxy(lab, b, pki)
    f = H.connect(p)
    try:
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR slow.bin")
        got = []
        reader = threading.Thread(target=lambda: got.extend(iter(lambda: conn.recv(65536), b"")))
        reader.start()
        time.sleep(1.2)
        early = sum(map(len, got))
        reader.join(15)
        conn.close()
        f.voidresp()
        assert 10 * 1024 <= early < len(payload), early
        assert b"".join(got) == payload
    finally:
        H.bye(f)


def _unsent_bytes_of(pid):
    """The largest `notsent` (written, not yet sent) of the TCP sockets of
    process `pid`, from ss(8)."""
    out = subprocess.run(["ss", "-tinpH"], capture_output=True, text=True, check=True).stdout
    largest, entry = 0, ""
    for line in out.splitlines():
        if line[:1].strip():            # a socket's first line: addresses and users
            entry = line
        elif f"pid={pid}," in entry and "notsent:" in line:
            largest = max(largest, int(line.split("notsent:")[1].split()[0]))
    return largest


def test_upload_keeps_little_unsent_toward_a_stalled_backend(lab, pki):
    # Toward a TLS backend the proxy's records wait in its own buffer, the
    # kernel holding at most 128 KiB of them unsent (TCP_NOTSENT_LOWAT): what
    # the kernel holds unsent it sends when the backend's ACKs come, and with
    # a backend on the same host that is work done in the backend's process,
    # the bottleneck of an upload. A backend that stops reading (SIGSTOP)
    # shows the bound; once it reads again the upload completes intact.
    b = _tls_backend(lab, pki.server)
    p = _proxy(lab, b, pki, trace=True)
    payload = os.urandom(24 * H.MiB)
    path = b.home_path("stalled.bin")
    f = H.connect(p)
    stopped = None
    try:
        f.voidcmd("TYPE I")
        conn = f.transfercmd("STOR stalled.bin")
        conn.sendall(payload[:100_000])
        assert H.wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 5), p.read("proxy.log")[-1500:]
        stopped = b.wait_session_child(1)[0]
        os.kill(stopped, signal.SIGSTOP)
        sender = threading.Thread(target=conn.sendall, args=(payload[100_000:],))
        sender.start()
        proxy_session = p.wait_session_child(1)[0]
        # the pipeline fills up: the backend's receive window, then the proxy
        samples = []
        for _ in range(15):
            time.sleep(0.2)
            samples.append(_unsent_bytes_of(proxy_session))
        assert max(samples) > 0, samples          # the proxy has more to send
        # 128 KiB, plus at most what one write adds past it (without the
        # limit: the whole send buffer, up to 4 MiB with Linux's defaults)
        assert max(samples) <= 384 * 1024, samples
        os.kill(stopped, signal.SIGCONT)
        stopped = None
        sender.join(60)
        conn.close()
        f.voidresp()
        with open(path, "rb") as stored:
            assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(payload).digest()
    finally:
        if stopped:
            os.kill(stopped, signal.SIGCONT)
        H.bye(f)
    trace = p.read("trace.log")
    assert re.search(r"backend data connection: TLSv1\.3 TLS_\w+ \(resumed session\), the kernel holds "
                     r"at most 131072 bytes unsent \(TCP_NOTSENT_LOWAT\)", trace), trace[-2000:]
