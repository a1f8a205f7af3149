"""mod_proxy_protocol in front of mod_sftp and mod_tls: their own logs
(SFTPLog, TLSLog) and the trace channels name the real client from the
PROXY header, never the load balancer: mod_proxy_protocol replaces the
connection's remote address before those modules look at it.

Raw clients send the header (source 10.1.2.x) from 127.0.0.1; paramiko
for SFTP, ftplib for FTPS (mod_tls checks a client certificate's
iPAddress SAN against the client address it sees)."""
import os
import re
import ssl

import pytest

import harness as H
import pp_helpers as P
import tls_pki
from pp_helpers import v1, v2

pytestmark = pytest.mark.swift_only

SFTP_CLIENT = ("10.1.2.3", 40001)
FTPS_CLIENT = "10.1.2.4"
TRACE = "Trace auth:20 scoreboard:20 ssh2:20 tls:20\n"


@pytest.fixture(scope="module")
def srv(suite):
    lab = P.SharedLab(suite, "pp-logs")
    try:
        pki = tls_pki.PKI(os.path.join(lab.dir, "pki"))
        # the certificate names the client FTPS_CLIENT by address
        pki.client_at = pki.issue("pp-client", "/CN=pp-client",
                                  f"subjectAltName=IP:{FTPS_CLIENT}\nextendedKeyUsage=clientAuth")
        host_key = P.make_host_key(os.path.join(lab.dir, "hostkey"))
        s = P.PPServer(lab, name="ftpd", modules=("mod_tls.c", "mod_sftp.c", "mod_proxy_protocol.c"),
                       extra=TRACE)
        P.track(lab, s)
        s.sftp_log = os.path.join(lab.dir, "sftp.log")
        s.tls_log = os.path.join(lab.dir, "tls.log")
        sftp, s.sftp_port = s.vhost(P.sftp_block(host_key, s.sftp_log), name="sftp")
        ftps, s.ftps_port = s.vhost(_verifying_tls(pki, s.tls_log, ""), name="ftps")
        implicit, s.implicit_port = s.vhost(_verifying_tls(pki, s.tls_log, "UseImplicitSSL"), name="implicit")
        s.add(sftp + ftps + implicit)
        s.start()
        s.pki = pki
        s.put_file("f.bin", b"pp" * 5000)
        yield s
    finally:
        problems = lab.shutdown()
    assert not problems, problems


def _verifying_tls(pki, log, option):
    """mod_tls requiring a client certificate whose iPAddress SAN is the client's."""
    return f"""<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired on
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile {pki.server[0]}
  TLSRSACertificateKeyFile {pki.server[1]}
  TLSCACertificateFile {pki.ca_cert}
  TLSVerifyClient on
  TLSOptions NoSessionReuseRequired iPAddressRequired {option}
  TLSLog {log}
</IfModule>"""


def _read(path):
    return open(path).read() if os.path.exists(path) else ""


def _session_trace(srv, mark, pid_marker):
    """Trace lines of the session whose trace contains pid_marker."""
    text = srv.since(mark, "trace.log")
    pid = re.search(r"\[(\d+)\] <[^>]*>: " + re.escape(pid_marker), text)
    assert pid, text[-3000:]
    return [ln for ln in text.splitlines() if f"[{pid.group(1)}]" in ln]


@pytest.mark.parametrize("header", ["v1", "v2"])
def test_sftp_log_and_traces_name_the_proxied_client(srv, header):
    ip, port = SFTP_CLIENT
    make = v1 if header == "v1" else v2
    mark = srv.log_mark()
    sftp_before = len(_read(srv.sftp_log))
    t, c = P.sftp_session(srv.sftp_port, make(ip, "10.9.8.7", port, 22))
    try:
        assert c.open("f.bin").read() == b"pp" * 5000
    finally:
        c.close()
        t.close()
    assert srv.wait_no_sessions(10)
    sftp_log = _read(srv.sftp_log)[sftp_before:]
    assert re.search(rf"mod_sftp/\S+\[\d+\]: client \({re.escape(ip)}:{port}\) connected to server "
                     rf"\(127\.0\.0\.1:{srv.sftp_port}\)", sftp_log), sftp_log
    assert "127.0.0.1:" not in sftp_log.split("connected to server")[0], sftp_log
    lines = _session_trace(srv, mark, f"UPDATED client remote address: {ip}:{port}")
    trace = "\n".join(lines)
    assert f"<scoreboard:15>: updated scoreboard entry client address to '{ip}'" in trace, trace[-3000:]
    assert f"<auth:19>: mod_auth handling successful login for user = '{H.USER}', host = '{ip}', tty = 'ssh'" \
        in trace, trace[-3000:]
    # after the header was read, no trace line of the session names the balancer as the client
    after = trace.split("UPDATED client remote address")[1]
    assert "client address to '127.0.0.1'" not in after and "host = '127.0.0.1'" not in after, after[-3000:]


def _ftps(srv, header, implicit=False):
    f = P.HeaderFTPTLS(header, implicit=implicit)
    f.context.load_cert_chain(*srv.pki.client_at)
    f.connect("127.0.0.1", srv.implicit_port if implicit else srv.ftps_port)
    return f


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_tls_log_checks_the_certificate_against_the_proxied_client(srv, implicit):
    """TLSOptions iPAddressRequired: mod_tls compares the certificate's
    iPAddress SAN with the client address, which must be the proxied one
    (with implicit FTPS, the handshake runs in mod_tls's session start)."""
    mark = srv.log_mark()
    tls_before = len(_read(srv.tls_log))
    f = _ftps(srv, v1(FTPS_CLIENT, "10.9.8.7", 40002, 21), implicit)
    try:
        if not implicit:
            f.auth()
        f.login(H.USER, H.PASSWORD)
        f.prot_p()
        assert "f.bin" in f.nlst()
    finally:
        H.bye(f)
    assert srv.wait_no_sessions(10)
    tls_log = _read(srv.tls_log)[tls_before:]
    assert f"client cert iPAddress SAN matches client IP '{FTPS_CLIENT}'" in tls_log, tls_log
    trace = "\n".join(_session_trace(srv, mark, f"UPDATED client remote address: {FTPS_CLIENT}:40002"))
    assert f"host = '{FTPS_CLIENT}'" in trace, trace[-3000:]


def test_tls_log_refuses_a_certificate_for_another_client(srv):
    """The same certificate from a client the header says is elsewhere:
    mod_tls refuses it, naming that address."""
    tls_before = len(_read(srv.tls_log))
    f = _ftps(srv, v2("10.9.9.9", "10.9.8.7", 40003, 21))
    try:
        with pytest.raises((ssl.SSLError, OSError, EOFError, H.ftplib.Error)):
            f.auth()
            f.login(H.USER, H.PASSWORD)
    finally:
        f.close()
    assert srv.wait_no_sessions(10)
    tls_log = _read(srv.tls_log)[tls_before:]
    assert "client cert iPAddress SANs do not match client IP '10.9.9.9'" in tls_log, tls_log
