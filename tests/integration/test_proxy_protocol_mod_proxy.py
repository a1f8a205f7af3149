"""mod_proxy as the sender: ProxyOptions UseProxyProtocolV1 / UseProxyProtocolV2
(+ UseProxyProtocolV2TLVs) put a PROXY header first on each backend control
connection, and a backend proftpd running mod_proxy_protocol logs the
frontend client (127.0.0.5 and its port), not the proxy (127.0.0.1).

Data connections carry no header: uploads and downloads arrive byte-exact.
"""
import hashlib
import io
import os

import pytest

import harness as H
import pp_helpers as P

pytestmark = pytest.mark.swift_only

CLIENT = "127.0.0.5"

CASES = {
    # ProxyOptions, backend ProxyProtocolVersion (exact, so the version on the wire is proven)
    "v1": ("UseProxyProtocolV1", "haproxyV1"),
    "v2": ("UseProxyProtocolV2", "haproxyV2"),
    "v2-tlvs": ("UseProxyProtocolV2 UseProxyProtocolV2TLVs", "haproxyV2"),
    "v1-to-auto": ("UseProxyProtocolV1", "auto"),
    "v2-tlvs-to-auto": ("UseProxyProtocolV2 UseProxyProtocolV2TLVs", "auto"),
}


def _uid_logging(lab):
    """mod_unique_id on the proxy, and an ExtendedLog of its UNIQUE_ID note."""
    log = os.path.join(lab.dir, "proxy-uid.log")
    return log, (f"LoadModule mod_unique_id.c\n"
                 f'LogFormat uid "%{{note:UNIQUE_ID}}|%m"\n'
                 f"ExtendedLog {log} ALL uid\n")


@pytest.mark.parametrize("case", sorted(CASES))
def test_backend_sees_frontend_client(lab, case):
    opts, version = CASES[case]
    b = P.pp_server(lab, name="backend",
                    pp=f"ProxyProtocolEngine on\nProxyProtocolVersion {version}\nProxyProtocolTimeout 3")
    data = os.urandom(700_000)
    b.put_file("down.bin", data)
    uid_log, outside = _uid_logging(lab)
    p = lab.proxy([f"ftp://127.0.0.1:{b.port}"], extra=f"  ProxyOptions {opts}", outside=outside)
    mark = b.log_mark()

    f = H.ModeFTP("PASV", timeout=30)
    f.source_address = (CLIENT, 0)
    f.connect(p.host, p.port)
    cport = f.sock.getsockname()[1]
    up = os.urandom(300_000)
    try:
        assert f.welcome.startswith("220 pp-backend-ident"), f.welcome
        f.login(H.USER, H.PASSWORD)
        f.voidcmd("TYPE I")
        assert f.pwd() == b.home
        assert P.retr(f, "down.bin") == data
        f.storbinary(f"STOR up-{case}.bin", io.BytesIO(up))
        listing = H.lines_of(f, "NLST")
    finally:
        H.bye(f)
    assert b.wait_no_sessions(10) and p.wait_no_sessions(10)
    # data connections carried no header: the bytes are exact both ways
    with open(os.path.join(b.home, f"up-{case}.bin"), "rb") as got:
        assert hashlib.sha256(got.read()).hexdigest() == hashlib.sha256(up).hexdigest()
    assert sorted(os.path.basename(x) for x in listing) == sorted(["down.bin", f"up-{case}.bin"])

    entries = [e for e in b.entries(mark) if e["cmd"] in ("USER", "PASS", "PWD", "RETR", "STOR")]
    assert {e["cmd"] for e in entries} == {"USER", "PASS", "PWD", "RETR", "STOR"}, \
        b.since(mark, "pp.log") + b.since(mark, "server")
    for e in entries:
        assert (e["addr"], e["host"], e["port"]) == (CLIENT, CLIENT, str(cport)), e
    log = b.since(mark, "server")
    assert f"{P.UPDATED}{CLIENT}:{cport} (WAS 127.0.0.1)" in log, log
    assert P.REJECT not in log, log
    hosts = b.xfer_hosts(mark)
    assert (CLIENT, b.home + "/down.bin") in hosts and (CLIENT, b.home + f"/up-{case}.bin") in hosts, hosts

    uid = entries[-1]["unique-id"]
    if "TLVs" in opts:
        assert uid, f"no unique-id TLV reached the backend: {entries[-1]}"
        # the proxy's own ExtendedLog names the same mod_unique_id ID for this session
        proxy_ids = {ln.split("|")[0] for ln in open(uid_log).read().splitlines()
                     if ln.endswith("|STOR")}
        assert proxy_ids == {uid}, (uid, proxy_ids)
    else:
        assert uid == "", f"unique-id note without UseProxyProtocolV2TLVs: {entries[-1]}"


def test_version_mismatch_is_refused_by_backend(lab):
    """mod_proxy sends v1, the backend only takes v2: the backend logs why it
    refused, and the frontend client gets an error instead of a hang."""
    b = P.pp_server(lab, name="backend",
                    pp="ProxyProtocolEngine on\nProxyProtocolVersion haproxyV2\nProxyProtocolTimeout 3")
    p = lab.proxy([f"ftp://127.0.0.1:{b.port}"],
                  extra="  ProxyOptions UseProxyProtocolV1\n  ProxyRetryCount 1", start=False)
    p.start(wait=False)
    H.wait_until(lambda: P.listening(p.port), 15)
    mark = b.log_mark()
    r = P.probe(p.port, b"", wait=10)
    assert r.closed or r.data[:1] in (b"4", b"5"), r
    assert not r.data.startswith(b"220 pp-backend"), r
    assert H.wait_until(lambda: "got what looks like a PROXY protocol v1 line"
                        in b.since(mark, "server"), 5), b.since(mark, "server")


def test_no_header_from_proxy_times_out_at_backend(lab):
    """Without UseProxyProtocol*, the backend waits for a header that never
    comes: after its ProxyProtocolTimeout (1 s) it closes, and the frontend
    client gets an error rather than hanging."""
    b = P.pp_server(lab, name="backend",
                    pp="ProxyProtocolEngine on\nProxyProtocolVersion auto\nProxyProtocolTimeout 1")
    p = lab.proxy([f"ftp://127.0.0.1:{b.port}"], extra="  ProxyRetryCount 1", start=False)
    p.start(wait=False)
    H.wait_until(lambda: P.listening(p.port), 15)
    mark = b.log_mark()
    r = P.probe(p.port, b"", wait=10)
    assert r.closed or r.data[:1] in (b"4", b"5"), r
    assert not r.data.startswith(b"220 pp-backend"), r
    assert r.elapsed < 3, r
    assert H.wait_until(lambda: "timed out after 1s waiting for the PROXY header (0 bytes received)"
                        in b.since(mark, "server"), 5), b.since(mark, "server")


def _tls_proxy(lab, backend, cert, implicit, extra="", outside="", **kw):
    """A proxy with a TLS frontend. mod_tls is loaded after mod_proxy, as the
    mod_proxy docs require for implicit FTPS."""
    block = P.tls_block(cert, os.path.join(lab.dir, "proxy-tls.log"), implicit=implicit)
    p = lab.proxy([f"ftp://127.0.0.1:{backend.port}"], tls_module=False, start=False,
                  extra="  ProxyOptions UseProxyProtocolV2 UseProxyProtocolV2TLVs" + extra,
                  outside="LoadModule mod_tls.c\n" + block + "\n" + outside, **kw)
    p.start(wait=False)
    assert H.wait_until(lambda: P.listening(p.port), 15), p.logs()
    return p


@pytest.fixture
def cert(lab):
    return H.make_self_signed_cert(os.path.join(lab.dir, "cert"))


def test_v2_tlvs_carry_frontend_tls_session(lab, cert):
    """Implicit FTPS on the proxy: the TLS session exists when the backend is
    connected, so the SSL TLV (version, cipher) and the SNI as AUTHORITY reach
    the backend's notes, equal to what the client negotiated."""
    b = P.pp_server(lab, name="backend")
    p = _tls_proxy(lab, b, cert, implicit=True)
    mark = b.log_mark()
    f = P.HeaderFTPTLS(implicit=True, source=CLIENT, sni="ftp.example.test")
    f.connect(p.host, p.port)
    cport = f.sock.getsockname()[1]
    version, cipher = f.sock.version(), f.sock.cipher()[0]
    try:
        assert f.welcome.startswith("220 pp-backend-ident"), f.welcome
        f.login(H.USER, H.PASSWORD)
        assert f.pwd() == b.home
    finally:
        H.bye(f)
    assert b.wait_no_sessions(10)
    e = [x for x in b.entries(mark) if x["cmd"] == "PWD"][-1]
    assert (e["addr"], e["port"]) == (CLIENT, str(cport)), e
    assert (e["tls.version"], e["tls.cipher"], e["authority"]) == (version, cipher, "ftp.example.test"), e


# The AUTHORITY TLV names what the client called the server: HOST, else the
# SNI, in upstream's order. With ProxyReverseConnectPolicy PerUser the backend
# is connected after USER, so a HOST or AUTH TLS before it is known then.


@pytest.mark.parametrize("named", ["host", "sni", "host-and-sni", "neither"])
def test_v2_authority_is_the_name_the_client_used(lab, cert, named):
    b = P.pp_server(lab, name="backend")
    p = _tls_proxy(lab, b, cert, implicit=False, policy="PerUser")
    mark = b.log_mark()
    sni = "sni.example.test" if "sni" in named else None
    f = P.HeaderFTPTLS(source=CLIENT, sni=sni)
    f.connect(p.host, p.port)
    try:
        assert f.welcome.startswith("220 "), f.welcome
        if "host" in named:      # HOST comes before AUTH (RFC 7151)
            assert f.sendcmd("HOST 127.0.0.1").startswith("220"), f.lastresp
        version = ""
        if "sni" in named:
            f.auth()
            version = f.sock.version()
        f.login(H.USER, H.PASSWORD, secure=False)     # ftplib would do AUTH TLS itself
        assert f.pwd() == b.home
    finally:
        H.bye(f)
    assert b.wait_no_sessions(10)
    e = [x for x in b.entries(mark) if x["cmd"] == "PWD"][-1]
    expected = {"host": "127.0.0.1", "sni": "sni.example.test",
                "host-and-sni": "127.0.0.1", "neither": ""}[named]
    assert (e["addr"], e["authority"]) == (CLIENT, expected), e
    assert (e["alpn"], e["tls.version"]) == (("ftps", version) if version else ("ftp", "")), e


def _plain_session_seen_by_v2_tlv_backend(lab):
    """A plain-FTP session through a proxy sending v2 headers with TLVs: the
    backend's log entry for its PWD."""
    b = P.pp_server(lab, name="backend")
    p = lab.proxy([f"ftp://127.0.0.1:{b.port}"],
                  extra="  ProxyOptions UseProxyProtocolV2 UseProxyProtocolV2TLVs")
    mark = b.log_mark()
    f = H.connect(p)
    try:
        f.pwd()
    finally:
        H.bye(f)
    assert b.wait_no_sessions(10)
    return [x for x in b.entries(mark) if x["cmd"] == "PWD"][-1]


def test_v2_tlvs_without_frontend_tls_carry_no_ssl_tlv(lab):
    """Plain frontend: no SSL TLV, so no tls.* notes on the backend."""
    e = _plain_session_seen_by_v2_tlv_backend(lab)
    assert (e["tls.version"], e["tls.cipher"], e["authority"]) == ("", "", ""), e


def test_v2_tlvs_include_alpn(lab):
    e = _plain_session_seen_by_v2_tlv_backend(lab)
    assert e["alpn"] == "ftp", e


def _chain_proxy(lab, backend):
    """A proxy that itself sits behind a PROXY-protocol sender (a load
    balancer): mod_proxy_protocol on, mod_proxy forwarding with V2 TLVs."""
    p = lab.proxy([f"ftp://127.0.0.1:{backend.port}"], start=False,
                  extra="  ProxyOptions UseProxyProtocolV2 UseProxyProtocolV2TLVs",
                  outside="<IfModule mod_proxy_protocol.c>\n  ProxyProtocolEngine on\n"
                          "  ProxyProtocolVersion auto\n</IfModule>\nAllowForeignAddress on\n")
    p.start(wait=False)
    assert H.wait_until(lambda: P.listening(p.port), 15), p.logs()
    return p


def test_proxy_chain_forwards_the_original_client(lab):
    """LB --PROXY--> proftpd+mod_proxy --PROXY--> backend: the backend sees the
    client the load balancer named, not the LB nor the proxy."""
    b = P.pp_server(lab, name="backend")
    b.put_file("f.bin", b"chain" * 1000)
    p = _chain_proxy(lab, b)
    mark = b.log_mark()
    f = P.ftp_session(p.port, P.v2("203.0.113.77", "127.0.0.1", 41000, p.port))
    try:
        assert f.welcome.startswith("220 pp-backend-ident"), f.welcome
        f.pwd()
        assert P.retr(f, "f.bin") == b"chain" * 1000
    finally:
        H.bye(f)
    assert b.wait_no_sessions(10)
    e = [x for x in b.entries(mark) if x["cmd"] == "PWD"][-1]
    assert (e["addr"], e["port"]) == ("203.0.113.77", "41000"), e


def test_proxy_chain_preserves_received_tlvs(lab):
    b = P.pp_server(lab, name="backend")
    p = _chain_proxy(lab, b)
    mark = b.log_mark()
    tlvs = P.tlv(0x02, "lb.example.test") + P.ssl_tlv(version="TLSv1.3", cipher="TLS_AES_128_GCM_SHA256")
    f = P.ftp_session(p.port, P.v2("203.0.113.78", "127.0.0.1", 41001, p.port, tlvs=tlvs))
    try:
        f.pwd()
    finally:
        H.bye(f)
    assert b.wait_no_sessions(10)
    e = [x for x in b.entries(mark) if x["cmd"] == "PWD"][-1]
    assert (e["addr"], e["authority"], e["tls.version"], e["tls.cipher"]) == \
        ("203.0.113.78", "lb.example.test", "TLSv1.3", "TLS_AES_128_GCM_SHA256"), e


@pytest.mark.parametrize("opt", ["UseProxyProtocolV1", "UseProxyProtocolV2"])
def test_ipv6_frontend_client_reaches_ipv4_backend(lab, opt):
    """Client on ::1, proxy on ::1, backend on 127.0.0.1: the header carries
    the IPv6 client (TCP6 / AF_INET6) and the backend logs it."""
    b = P.pp_server(lab, name="backend", ipv6=True)
    b.put_file("f.bin", b"six" * 3000)
    p = lab.proxy([f"ftp://127.0.0.1:{b.port}"], host="::1", extra=f"  ProxyOptions {opt}")
    mark = b.log_mark()
    f = H.connect(p, mode="EPSV")
    cport = f.sock.getsockname()[1]
    try:
        assert f.pwd() == b.home
        assert P.retr(f, "f.bin") == b"six" * 3000
    finally:
        H.bye(f)
    assert b.wait_no_sessions(10)
    e = [x for x in b.entries(mark) if x["cmd"] == "RETR"][-1]
    assert (e["addr"], e["port"]) == ("::1", str(cport)), e
    assert f"{P.UPDATED}::1:{cport} (WAS 127.0.0.1)" in b.since(mark, "server")


def test_v2_authority_after_host_switches_virtual_host(lab):
    """HOST naming another <VirtualHost> moves the session there before
    login, and its backend is connected then: that header's AUTHORITY is
    the name the client gave."""
    main = P.pp_server(lab, name="backend")
    other = P.pp_server(lab, name="other")
    tlvs = "  ProxyOptions UseProxyProtocolV2 UseProxyProtocolV2TLVs"
    p = lab.proxy([f"ftp://127.0.0.1:{main.port}"], start=False, extra=tlvs)
    p.write_conf(p.read("proftpd.conf") + f"""
<VirtualHost 127.0.0.1>
  Port {p.port}
  ServerName "it-other"
  ServerAlias other.example
  <IfModule mod_proxy.c>
    ProxyEngine on
    ProxyRole reverse
    ProxyLog {p.dir}/proxy.log
    ProxyTLSEngine off
    ProxyReverseServers ftp://127.0.0.1:{other.port}
{tlvs}
  </IfModule>
</VirtualHost>
""")
    p.start()
    mark_main, mark_other = main.log_mark(), other.log_mark()
    f = H.ModeFTP("PASV", timeout=30)
    f.source_address = (CLIENT, 0)
    f.connect(p.host, p.port)
    try:
        assert f.sendcmd("HOST other.example").startswith("220")
        f.login(H.USER, H.PASSWORD)
        assert f.pwd() == other.home
    finally:
        H.bye(f)
    assert other.wait_no_sessions(10) and main.wait_no_sessions(10)
    e = [x for x in other.entries(mark_other) if x["cmd"] == "PWD"][-1]
    assert (e["addr"], e["authority"]) == (CLIENT, "other.example"), e
    # the main server's backend was connected first, before the client named anything
    assert f"{P.UPDATED}{CLIENT}:" in main.since(mark_main, "server"), main.since(mark_main, "server")
