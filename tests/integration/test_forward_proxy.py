"""Forward proxying (ProxyRole forward): the client names its destination.

Methods without a proxy login (user@host, user@sni), who may use the proxy
(RFC 1918 by default, ProxyForwardEnabled per <Class>), ProxyForwardTo, and
the refusals (bad USER, unreachable destination, the proxy itself)."""
import ftplib
import os
import socket
import ssl

import pytest

import harness as H
import pp_helpers as PP

pytestmark = pytest.mark.swift_only   # the reference is checked side by side by hand (see README)

# Loopback is not RFC 1918: the test client (127.0.0.1) needs a class.
LOCAL_CLASS = """<Class local>
  From 127.0.0.1
  ProxyForwardEnabled on
</Class>"""


def forward_proxy(lab, method="user@host", extra="", outside=LOCAL_CLASS, **kw):
    return lab.proxy([], role="forward", policy=None, outside=outside,
                     extra=f"  ProxyForwardMethod {method}\n{extra}", **kw)


def login(p, dest, user=H.USER, password=H.PASSWORD, source=None):
    f = H.ModeFTP("PASV")
    f.source_address = (source, 0) if source else None
    f.connect(p.host, p.port)
    f.login(f"{user}@{dest}", password)
    return f


def _connect(p):
    f = H.ModeFTP("PASV")
    f.connect(p.host, p.port)
    return f


def dest_of(b):
    return f"[{b.host}]:{b.port}" if ":" in b.host else f"{b.host}:{b.port}"


def test_user_at_host_login_and_transfers(lab):
    b = lab.backend()
    data = os.urandom(3 * H.MiB + 5)
    b.put_file("pub/file.bin", data)
    p = forward_proxy(lab)
    # the proxy greets with its own banner: there is no destination yet
    assert H.first_reply(p)[0] == "220"
    f = login(p, dest_of(b))
    try:
        assert f.pwd() == b.home
        f.voidcmd("TYPE I")
        assert H.retr_bytes(f, "pub/file.bin") == data
        up = os.path.join(lab.dir, "up.bin")
        H.make_random_file(up, 2 * H.MiB + 1)
        H.stor_file(f, "uploaded.bin", up)
        assert H.sha256_file(b.home_path("uploaded.bin")) == H.sha256_file(up)
        assert "file.bin" in " ".join(H.lines_of(f, "NLST pub"))
    finally:
        H.bye(f)
    log = p.read("proxy.log")
    assert f"to {b.host}:{b.port}" in log or f"to {dest_of(b)}" in log
    assert H.PASSWORD not in log


def test_user_at_host_ipv6_destination(lab):
    b = lab.backend(host="::1")
    b.put_file("six.txt", b"over IPv6\n")
    p = forward_proxy(lab)
    f = login(p, dest_of(b))
    try:
        assert H.retr_bytes(f, "six.txt") == b"over IPv6\n"
    finally:
        H.bye(f)


def test_commands_before_login_and_bad_user_arguments(lab):
    b = lab.backend()
    p = forward_proxy(lab)
    f = _connect(p)
    try:
        with pytest.raises(ftplib.error_perm, match="^530 Please login with USER and PASS"):
            f.sendcmd("PWD")
        for bad in ["alice", "@127.0.0.1", "alice@", "alice@127.0.0.1:0", "alice@127.0.0.1:99999",
                    "alice@::1", "alice@[::1", "alice@host/path", "alice@" + "a" * 64 + ".example",
                    "alice@127.0.0.1:21x"]:
            with pytest.raises(ftplib.error_perm) as e:
                f.sendcmd(f"USER {bad}")
            assert str(e.value) == "530 Login incorrect.", bad
        # a USER argument longer than ProFTPD's own limit is refused by the core first
        with pytest.raises(ftplib.error_perm, match="^501 Login incorrect."):
            f.sendcmd("USER alice@" + "a" * 300 + ".example")
        # the session is still usable: a good USER now works
        assert f.sendcmd(f"USER {H.USER}@{dest_of(b)}").startswith("331")
        assert f.sendcmd(f"PASS {H.PASSWORD}").startswith("230")
    finally:
        H.bye(f)
    log = p.read("proxy.log")
    assert "missing the '@'" in log and "names no usable destination" in log


def test_unreachable_destination_then_retry(lab):
    b = lab.backend()
    p = forward_proxy(lab)
    closed = lab.ports.closed_port()
    f = _connect(p)
    try:
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd(f"USER {H.USER}@127.0.0.1:{closed}")
        assert str(e.value) == f"530 Unable to connect to 127.0.0.1:{closed}: Connection refused"
        assert f.sendcmd(f"USER {H.USER}@{dest_of(b)}").startswith("331")
        assert f.sendcmd(f"PASS {H.PASSWORD}").startswith("230")
        assert f.pwd() == b.home
    finally:
        H.bye(f)
    assert f"127.0.0.1:{closed} refused" in p.read("proxy.log")


def test_wrong_password_at_the_destination(lab):
    b = lab.backend()
    p = forward_proxy(lab)
    f = _connect(p)
    try:
        f.sendcmd(f"USER {H.USER}@{dest_of(b)}")
        with pytest.raises(ftplib.error_perm, match="^530"):
            f.sendcmd("PASS wrong@pass@word")
        with pytest.raises(ftplib.error_perm, match="^530"):
            f.sendcmd("PWD")
    finally:
        H.bye(f)
    assert "wrong@pass@word" not in p.read("proxy.log")


def test_destination_that_is_the_proxy_itself_is_refused(lab):
    p = forward_proxy(lab)
    f = _connect(p)
    try:
        for dest in [f"127.0.0.1:{p.port}", f"localhost:{p.port}", f"0.0.0.0:{p.port}"]:
            with pytest.raises(ftplib.error_perm) as e:
                f.sendcmd(f"USER {H.USER}@{dest}")
            assert str(e.value) == f"530 Unable to connect to {dest}: Operation not permitted", dest
    finally:
        H.bye(f)
    log = p.read("proxy.log")
    assert "own address and port (a loop)" in log
    # nothing was connected, and no session of the proxy toward itself began
    assert "connected to" not in log
    assert log.count("connect: client 127.0.0.1") == 2   # the harness's start probe and this client


@pytest.mark.parametrize("rule,dest_ok,dest_refused", ids=["anchored", "negated", "negated-nocase", "nocase"], argvalues=[
    (r"^127\.0\.0\.1:{port}$", "127.0.0.1:{port}", "localhost:{port}"),
    (r"!^localhost:", "127.0.0.1:{port}", "localhost:{port}"),
    (r"!^LOCALHOST: [NC]", "127.0.0.1:{port}", "localhost:{port}"),
    (r"^LOCALHOST:{port}$ [NC]", "localhost:{port}", "127.0.0.1:{port}"),
])
def test_forward_to(lab, rule, dest_ok, dest_refused):
    b = lab.backend()
    p = forward_proxy(lab, extra=f"  ProxyForwardTo {rule.format(port=b.port)}")
    f = _connect(p)
    try:
        refused = dest_refused.format(port=b.port)
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd(f"USER {H.USER}@{refused}")
        assert str(e.value) == "530 Login incorrect."
        assert f.sendcmd(f"USER {H.USER}@{dest_ok.format(port=b.port)}").startswith("331")
        assert f.sendcmd(f"PASS {H.PASSWORD}").startswith("230")
    finally:
        H.bye(f)
    assert f"host/port '{refused}'" in p.read("proxy.log")


def _refused_at_connect(p, header=b"", source=None):
    s = socket.create_connection((p.host, p.port), 10, source_address=(source, 0) if source else None)
    try:
        if header:
            s.sendall(header)
        s.settimeout(10)
        return s.recv(1024)
    finally:
        s.close()


def test_loopback_is_not_rfc1918(lab):
    b = lab.backend()
    # only 127.0.0.1 is in a class; 127.0.0.2 is a plain non-RFC 1918 client
    p = forward_proxy(lab, outside="<Class local>\n  From 127.0.0.1\n  ProxyForwardEnabled on\n</Class>")
    assert _refused_at_connect(p, source="127.0.0.2") == b""
    log = H.wait_until(lambda: "non-RFC1918 client address 127.0.0.2" in p.read("proxy.log"), 5)
    assert log, p.read("proxy.log")
    f = login(p, dest_of(b))
    H.bye(f)
    # the refused client never caused a connection to anywhere
    assert p.read("proxy.log").count("connected to") == 1


PP_ENGINE = "  ProxyProtocolEngine on\n  ProxyProtocolVersion haproxyV1\n"


def _pp_forward_proxy(lab, outside=""):
    if not lab.has_proxy_protocol:
        pytest.skip("needs mod_proxy_protocol")
    return forward_proxy(lab, outside=outside + "\n<IfModule mod_proxy_protocol.c>\n" + PP_ENGINE + "</IfModule>",
                         banner=False)


def test_rfc1918_clients_allowed_by_default(lab):
    b = lab.backend()
    b.put_file("lan.txt", b"from the LAN\n")
    p = _pp_forward_proxy(lab)
    f = PP.HeaderFTP(PP.v1(src="10.1.2.3", dst="127.0.0.1", dport=p.port))
    f.connect(p.host, p.port)
    try:
        f.login(f"{H.USER}@{dest_of(b)}", H.PASSWORD)
        assert H.retr_bytes(f, "lan.txt") == b"from the LAN\n"
    finally:
        H.bye(f)
    for src in ["8.8.8.8", "127.0.0.1", "172.32.0.1"]:
        assert _refused_at_connect(p, PP.v1(src=src, dst="127.0.0.1", dport=p.port)) == b"", src
        assert H.wait_until(lambda: f"non-RFC1918 client address {src}" in p.read("proxy.log"), 5), src


def test_proxy_forward_enabled_per_class(lab):
    b = lab.backend()
    p = _pp_forward_proxy(lab, outside="""<Class lan>
  From 10.0.0.0/8
  ProxyForwardEnabled off
</Class>
<Class partner>
  From 203.0.113.0/24
  ProxyForwardEnabled on
</Class>""")
    assert _refused_at_connect(p, PP.v1(src="10.1.2.3", dst="127.0.0.1", dport=p.port)) == b""
    assert H.wait_until(lambda: "in <Class lan> (see ProxyForwardEnabled)" in p.read("proxy.log"), 5)
    f = PP.HeaderFTP(PP.v1(src="203.0.113.5", dst="127.0.0.1", dport=p.port))
    f.connect(p.host, p.port)
    try:
        f.login(f"{H.USER}@{dest_of(b)}", H.PASSWORD)
        assert f.pwd() == b.home
    finally:
        H.bye(f)


class SNIFTP(ftplib.FTP_TLS):
    """Explicit FTPS whose ClientHello carries `sni` as the server name."""

    def __init__(self, sni):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        super().__init__(context=ctx, timeout=30)
        self.sni = sni

    def auth(self):
        resp = self.voidcmd("AUTH TLS")
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.sni)
        self.file = self.sock.makefile(mode="r", encoding=self.encoding)
        return resp


def _tls_outside(lab):
    cert = H.make_self_signed_cert(os.path.join(lab.dir, "cert"))
    return LOCAL_CLASS + f"""
<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired off
  TLSRSACertificateFile {cert[0]}
  TLSRSACertificateKeyFile {cert[1]}
  TLSOptions NoSessionReuseRequired
  TLSLog {lab.dir}/tls.log
</IfModule>"""


def test_user_at_sni(lab):
    b = lab.backend()
    b.put_file("sni.txt", b"chosen by SNI\n")
    p = forward_proxy(lab, method="user@sni", outside=_tls_outside(lab))
    f = SNIFTP(f"localhost:{b.port}")
    f.connect(p.host, p.port)
    try:
        f.auth()
        f.login(H.USER, H.PASSWORD)
        f.prot_p()
        assert H.retr_bytes(f, "sni.txt") == b"chosen by SNI\n"
    finally:
        H.bye(f)
    # without TLS there is no SNI: refused, with the reason logged
    g = _connect(p)
    try:
        with pytest.raises(ftplib.error_perm, match="^530 Login incorrect."):
            g.sendcmd(f"USER {H.USER}")
    finally:
        H.bye(g)
    assert "due to lack of TLS" in p.read("proxy.log")


def test_tls_toward_the_destination(lab, suite):
    """ProxyTLSEngine applies to the destination as to a reverse backend:
    AUTH TLS, verified by name (localhost) or address, TLS data resuming
    the control session (the destination keeps mod_tls's defaults)."""
    import tls_pki
    pki = tls_pki.PKI(os.path.join(lab.dir, "pki"))
    log = os.path.join(lab.dir, "dest-tls.log")
    b = lab.backend(name="ftps-dest", modules=("mod_tls.c",), extra=tls_pki.backend_tls_block(pki.server, log))
    data = os.urandom(H.MiB + 3)
    b.put_file("tls.bin", data)
    p = lab.proxy([], role="forward", policy=None, outside=LOCAL_CLASS, tls_engine_off=False,
                  extra=f"  ProxyForwardMethod user@host\n  ProxyTLSEngine on\n"
                        f"  ProxyTLSCACertificateFile {pki.ca_cert}")
    for dest in [f"localhost:{b.port}", f"127.0.0.1:{b.port}"]:
        f = login(p, dest)
        try:
            f.voidcmd("TYPE I")
            assert H.retr_bytes(f, "tls.bin") == data
        finally:
            H.bye(f)
    assert "TLS" in p.read("proxy.log") and "data protected" in p.read("proxy.log")
    # a destination whose certificate names another host is refused, named
    other = lab.backend(name="wrong-name", modules=("mod_tls.c",),
                        extra=tls_pki.backend_tls_block(pki.wrong_name, os.path.join(lab.dir, "w.log")))
    f = _connect(p)
    try:
        with pytest.raises(ftplib.error_perm) as e:
            f.sendcmd(f"USER {H.USER}@127.0.0.1:{other.port}")
        assert str(e.value).startswith(f"530 TLS to backend 127.0.0.1:{other.port} failed: "), str(e.value)
    finally:
        H.bye(f)


# ---------------------------------------------------------------- proxy login


def _login_proxy(lab, method=None, extra="", outside="", start=True):
    """A forward proxy whose local accounts are test_reverse_proxy_auth's
    (dave / dave-pw-5 is the proxy user here); no ProxyForwardMethod line
    means the default, proxyuser,user@host."""
    from test_reverse_proxy_auth import _auth_config
    method_line = f"  ProxyForwardMethod {method}\n" if method else ""
    return lab.proxy([], role="forward", policy=None, outside=LOCAL_CLASS + "\n" + _auth_config(lab) + outside,
                     extra=method_line + extra, start=start)


def test_default_method_proxy_user_then_user_at_host(lab):
    b = lab.backend()
    b.put_file("fw.txt", b"through the gateway\n")
    p = _login_proxy(lab)
    f = _connect(p)
    try:
        assert f.sendcmd("USER dave") == "331 Password required for dave"
        with pytest.raises(ftplib.error_perm, match="^530 Please login with USER and PASS"):
            f.sendcmd("PWD")
        assert f.sendcmd("PASS dave-pw-5") == "230 User dave logged in"
        # logged in to the proxy, not yet to a destination
        with pytest.raises(ftplib.error_perm, match="^530 Access denied"):
            f.sendcmd("PWD")
        assert f.sendcmd(f"USER {H.USER}@{dest_of(b)}").startswith("331")
        with pytest.raises(ftplib.error_perm, match="^530"):
            f.sendcmd("PASS wrong")
        # the client may try again
        assert f.sendcmd(f"USER {H.USER}@{dest_of(b)}").startswith("331")
        assert f.sendcmd(f"PASS {H.PASSWORD}").startswith("230")
        assert f.pwd() == b.home
        f.voidcmd("TYPE I")
        assert H.retr_bytes(f, "fw.txt") == b"through the gateway\n"
    finally:
        H.bye(f)
    log = p.read("proxy.log")
    assert "proxy user 'dave' authenticated by the proxy" in log
    assert f"(proxy user 'dave') connected to {dest_of(b)}" in log
    assert "dave-pw-5" not in log and H.PASSWORD not in log


def test_wrong_proxy_password_connects_nothing(lab):
    b = lab.backend()
    p = _login_proxy(lab)
    f = _connect(p)
    try:
        f.sendcmd("USER dave")
        with pytest.raises(ftplib.error_perm, match="^530 Login incorrect."):
            f.sendcmd("PASS nope")
        # not logged in to the proxy: a destination USER is just a proxy USER
        assert f.sendcmd(f"USER {H.USER}@{dest_of(b)}").startswith("331 Password required")
        with pytest.raises(ftplib.error_perm, match="^530 Login incorrect."):
            f.sendcmd(f"PASS {H.PASSWORD}")
    finally:
        H.bye(f)
    assert "connected to" not in p.read("proxy.log")
    assert "refused by the proxy" in p.read("proxy.log")


def test_proxy_user_at_host_then_user(lab):
    b = lab.backend()
    b.put_file("m2.txt", b"second method\n")
    p = _login_proxy(lab, method="proxyuser@host,user")
    f = _connect(p)
    try:
        with pytest.raises(ftplib.error_perm, match="^530 Login incorrect."):
            f.sendcmd("USER dave")   # no destination
        assert f.sendcmd(f"USER dave@{dest_of(b)}") == "331 Password required for dave"
        assert f.sendcmd("PASS dave-pw-5") == "230 User dave logged in"
        assert f.sendcmd(f"USER {H.USER}").startswith("331")
        assert f.sendcmd(f"PASS {H.PASSWORD}").startswith("230")
        assert H.retr_bytes(f, "m2.txt") == b"second method\n"
    finally:
        H.bye(f)
    assert f"(proxy user 'dave') connected to {dest_of(b)}" in p.read("proxy.log")


def test_proxy_login_failures_count_for_max_login_attempts(lab):
    p = _login_proxy(lab, start=False)
    p.write_conf(p.read("proftpd.conf").replace("MaxLoginAttempts 100", "MaxLoginAttempts 2"))
    p.start()
    f = _connect(p)
    try:
        f.sendcmd("USER dave")
        with pytest.raises(ftplib.error_perm, match="^530"):
            f.sendcmd("PASS bad-1")
        f.sendcmd("USER dave")
        with pytest.raises((ftplib.error_perm, EOFError, OSError)):
            f.sendcmd("PASS bad-2")
        # the second failure ends the session
        with pytest.raises((EOFError, OSError, ftplib.Error)):
            f.sendcmd("NOOP")
    finally:
        f.close()


def test_curl_and_lftp_through_user_at_host(lab):
    b = lab.backend()
    data = os.urandom(512 * 1024 + 9)
    b.put_file("cli.bin", data)
    p = forward_proxy(lab)
    dest = f"127.0.0.1:{b.port}"
    user = f"{H.USER}%40{dest.replace(':', '%3A')}"
    out = os.path.join(lab.dir, "curl.bin")
    r = H.run(["curl", "-sS", "--max-time", "30", "-o", out,
               f"ftp://{user}:{H.PASSWORD}@{p.host}:{p.port}/cli.bin"])
    assert r.returncode == 0, r.stderr
    assert open(out, "rb").read() == data
    out2 = os.path.join(lab.dir, "lftp.bin")
    r = H.run(["lftp", "-u", f"{H.USER}@{dest},{H.PASSWORD}", "-p", str(p.port),
               "-e", f"set net:max-retries 1; set ftp:ssl-allow no; get cli.bin -o {out2}; quit", p.host])
    assert r.returncode == 0, r.stderr
    assert open(out2, "rb").read() == data


def test_host_moves_to_a_forward_vhost_with_its_own_method(lab):
    """HOST before login selects a name-based <VirtualHost>; a forward proxy
    there connects nothing until the client names a destination, with that
    server's ProxyForwardMethod and ProxyForwardTo."""
    b = lab.backend()
    p = forward_proxy(lab, method="proxyuser,user@host", start=False, extra="  ProxyForwardTo ^nothing-here$")
    conf = p.read("proftpd.conf") + f"""
<VirtualHost 127.0.0.1>
  Port {p.port}
  ServerName "it-other"
  ServerAlias other.example
  ServerIdent on "other-vhost-ident"
  <IfModule mod_proxy.c>
    ProxyEngine on
    ProxyRole forward
    ProxyLog {p.dir}/proxy.log
    ProxyTLSEngine off
    ProxyForwardMethod user@host
    ProxyForwardTo ^127\\.0\\.0\\.1:{b.port}$
  </IfModule>
</VirtualHost>
"""
    p.write_conf(conf)
    p.start()
    f = _connect(p)
    try:
        assert f.sendcmd("HOST other.example") == "220 other-vhost-ident"
        assert f.sendcmd(f"USER {H.USER}@{dest_of(b)}").startswith("331")
        assert f.sendcmd(f"PASS {H.PASSWORD}").startswith("230")
        assert f.pwd() == b.home
    finally:
        H.bye(f)


@pytest.mark.parametrize("which", ["proxy", "destination"])
def test_mod_ban_bans_after_refused_forward_logins(lab, which):
    """A refused password, the proxy's or the destination's, raises
    mod_auth's MaxLoginAttempts event, so BanOnEvent bans the client."""
    b = lab.backend()
    p = _login_proxy(lab, start=False)
    p.write_conf(p.read("proftpd.conf").replace("MaxLoginAttempts 100", "MaxLoginAttempts 1")
                 + H.mod_ban_config(p))
    p.start()
    if which == "proxy":
        commands = ["USER dave", "PASS wrong", "NOOP"]
        expected = ["USER -> 331 Password required for dave", "PASS -> 530 Login incorrect.", "NOOP -> "]
    else:
        commands = ["USER dave", "PASS dave-pw-5", f"USER {H.USER}@{dest_of(b)}", "PASS wrong", "NOOP"]
        expected = ["USER -> 331 Password required for dave", "PASS -> 230 User dave logged in",
                    f"USER -> 331 Password required for {H.USER}", "PASS -> 530 Login incorrect.", "NOOP -> "]
    assert H.replies_to(p, commands) == expected
    assert H.first_reply(p) == (None, "")   # banned: closed without a banner
    assert "MaxLoginAttempts" in p.read("ban.log"), p.read("ban.log")


def test_sql_log_records_the_destination(lab):
    """mod_sql's SQLLog sees the proxy's notes and the proxy user, as on a
    reverse proxy (%{note:mod_proxy.backend-ip} and friends)."""
    b = lab.backend()
    b.put_file("logged.txt", b"x" * 1000)
    db = os.path.join(lab.dir, "log.db")
    H.run(["sqlite3", db, "CREATE TABLE xfers (user TEXT, backend_ip TEXT, backend_url TEXT, cmd TEXT);"])
    os.chmod(db, 0o666)
    os.chmod(lab.dir, 0o777)
    sql = f"""
LoadModule mod_sql.c
LoadModule mod_sql_sqlite.c
<IfModule mod_sql.c>
  SQLEngine log
  SQLBackend sqlite3
  SQLConnectInfo {db}
  SQLNamedQuery logxfer INSERT "'%u', '%{{note:mod_proxy.backend-ip}}', '%{{note:mod_proxy.backend-url}}', '%m'" xfers
  SQLLog RETR logxfer
  # The session is chrooted after the destination login: SQLite's journal
  # beside the database file would be out of reach then, so it is kept in
  # memory on the connection opened at the proxy login.
  SQLNamedQuery memjournal FREEFORM "PRAGMA journal_mode=MEMORY"
  SQLLog PASS memjournal IGNORE_ERRORS
</IfModule>
"""
    p = _login_proxy(lab, outside=sql)
    f = _connect(p)
    try:
        f.sendcmd("USER dave")
        f.sendcmd("PASS dave-pw-5")
        f.sendcmd(f"USER {H.USER}@{dest_of(b)}")
        f.sendcmd(f"PASS {H.PASSWORD}")
        assert H.retr_bytes(f, "logged.txt") == b"x" * 1000
    finally:
        H.bye(f)
    rows = H.run(["sqlite3", db, "SELECT * FROM xfers"]).stdout.decode().strip().splitlines()
    assert rows == [f"dave|127.0.0.1|ftp://127.0.0.1:{b.port}|RETR"], rows


def test_forward_to_patterns_are_proftpds_own_regex(lab):
    """ProxyForwardTo goes through ProFTPD's regex engine (PCRE2 in Debian's
    build) at config time and at match time: `(?i)` and `\\d` mean what they
    mean there, and what that engine refuses fails `proftpd -t`."""
    b = lab.backend()
    p = forward_proxy(lab, extra=r"  ProxyForwardTo (?i)^LOCALHOST:\d+$")
    f = _connect(p)
    try:
        with pytest.raises(ftplib.error_perm, match="^530 Login incorrect."):
            f.sendcmd(f"USER {H.USER}@{dest_of(b)}")
        assert f.sendcmd(f"USER {H.USER}@localhost:{b.port}").startswith("331")
    finally:
        H.bye(f)
    bad = forward_proxy(lab, name="bad-proxy", extra="  ProxyForwardTo ^(unclosed", start=False)
    r = bad.check_syntax()
    assert r.returncode != 0 and "ProxyForwardTo" in r.stderr + r.stdout, r.stderr


@pytest.mark.parametrize("method", ["proxyuser,user@host", "user@host", "proxyuser@host,user", "user@sni"])
@pytest.mark.parametrize("dest_tls", [False, True], ids=["plain-dest", "ftps-dest"])
def test_every_method_with_a_tls_frontend(lab, method, dest_tls):
    """Each ProxyForwardMethod with FTPS toward the proxy (PROT P data), to
    a plain and to an FTPS destination; the TransferLog names the file."""
    import tls_pki
    from test_reverse_proxy_auth import _auth_config
    pki = tls_pki.PKI(os.path.join(lab.dir, "pki"))
    extra = ""
    if dest_tls:
        b = lab.backend(name="dest", modules=("mod_tls.c",),
                        extra=tls_pki.backend_tls_block(pki.server, os.path.join(lab.dir, "dest-tls.log")))
        extra = f"  ProxyTLSEngine on\n  ProxyTLSCACertificateFile {pki.ca_cert}\n"
    else:
        b = lab.backend(name="dest")
    data = os.urandom(700 * 1024 + 1)
    b.put_file("m.bin", data)
    p = lab.proxy([], role="forward", policy=None, tls_engine_off=not dest_tls,
                  outside=_tls_outside(lab) + "\n" + _auth_config(lab),
                  extra=f"  ProxyForwardMethod {method}\n" + extra)
    dest = f"localhost:{b.port}"
    f = SNIFTP(dest if method == "user@sni" else None)
    f.connect(p.host, p.port)
    try:
        f.auth()
        if method == "proxyuser,user@host":
            f.sendcmd("USER dave")
            f.sendcmd("PASS dave-pw-5")
            f.login(f"{H.USER}@{dest}", H.PASSWORD)
        elif method == "proxyuser@host,user":
            f.sendcmd(f"USER dave@{dest}")
            f.sendcmd("PASS dave-pw-5")
            f.login(H.USER, H.PASSWORD)
        elif method == "user@host":
            f.login(f"{H.USER}@{dest}", H.PASSWORD)
        else:
            f.login(H.USER, H.PASSWORD)
        f.prot_p()
        assert H.retr_bytes(f, "m.bin") == data
    finally:
        H.bye(f)
    assert H.wait_until(lambda: "m.bin" in p.read("xferlog"), 5), p.read("xferlog")
    if dest_tls:
        assert "data protected" in p.read("proxy.log")


@pytest.mark.parametrize("method", ["proxyuser,user@host", "user@host"])
def test_session_is_chrooted_and_unprivileged_after_the_destination_login(lab, method):
    """Root is kept through the proxy login (the destination login still
    needs it) and given up, with the chroot, once the destination accepted."""
    b = lab.backend()
    p = _login_proxy(lab, method=method)
    f = _connect(p)
    try:
        if method == "proxyuser,user@host":
            f.sendcmd("USER dave")
            f.sendcmd("PASS dave-pw-5")
        f.login(f"{H.USER}@{dest_of(b)}", H.PASSWORD)
        assert f.sendcmd("NOOP").startswith("200")
        (child,) = p.wait_session_child(1)
        assert os.path.realpath(H.proc_root(child)) == os.path.realpath(os.path.join(p.tables, "empty"))
        ids = H.proc_ids(child)
        assert 0 not in ids["Uid"] and 0 not in ids["Gid"], ids
    finally:
        H.bye(f)
    assert "unable to chroot" not in p.read("proxy.log")


def test_limits_and_data_policy_apply_in_the_forward_role(lab):
    b = lab.backend()
    b.put_file("secret.txt", b"no\n")
    b.put_file("open.txt", b"yes\n")
    p = forward_proxy(lab, extra="  ProxyDataTransferPolicy PORT",
                      outside=LOCAL_CLASS + "\n<Limit STOR>\n  DenyAll\n</Limit>\n")
    for mode in ["PASV", "EPRT"]:
        f = H.ModeFTP(mode)
        f.connect(p.host, p.port)
        try:
            f.login(f"{H.USER}@{dest_of(b)}", H.PASSWORD)
            assert H.retr_bytes(f, "open.txt") == b"yes\n"
            with pytest.raises(ftplib.error_perm, match="^550"):
                f.storbinary("STOR denied.txt", __import__("io").BytesIO(b"x"))
        finally:
            H.bye(f)
    assert not os.path.exists(b.home_path("denied.txt"))


@pytest.mark.parametrize("engine", ["auto", "MatchClient"])
def test_tls_engine_auto_and_match_client_toward_destinations(lab, engine):
    """ProxyTLSEngine auto: TLS with an FTPS destination, clear with a plain
    one; MatchClient: TLS toward the destination exactly when the client
    uses it. Resumption: the second session to a destination resumes."""
    import tls_pki
    pki = tls_pki.PKI(os.path.join(lab.dir, "pki"))
    tls_dest = lab.backend(name="ftps-dest", modules=("mod_tls.c",),
                           extra=tls_pki.backend_tls_block(pki.server, os.path.join(lab.dir, "d.log"),
                                                           required="off"))
    plain_dest = lab.backend(name="plain-dest")
    for b in (tls_dest, plain_dest):
        b.put_file("x.txt", b"x\n")
    p = lab.proxy([], role="forward", policy=None, tls_engine_off=False, outside=_tls_outside(lab),
                  extra=f"  ProxyForwardMethod user@host\n  ProxyTLSEngine {engine}\n"
                        f"  ProxyTLSCACertificateFile {pki.ca_cert}")

    def session(b, client_tls):
        f = SNIFTP(None) if client_tls else H.ModeFTP("PASV")
        f.connect(p.host, p.port)
        try:
            if client_tls:
                f.auth()
            f.login(f"{H.USER}@127.0.0.1:{b.port}", H.PASSWORD)
            if client_tls:
                f.prot_p()
            assert H.retr_bytes(f, "x.txt") == b"x\n"
        finally:
            H.bye(f)
        return p.read("proxy.log").splitlines()[-6:]

    tls_lines = lambda lines: [l for l in lines if "data protected" in l or "data clear" in l]
    if engine == "auto":
        assert tls_lines(session(tls_dest, False))
        assert not tls_lines(session(plain_dest, False))
        assert "(resumed session)" in " ".join(session(tls_dest, False))
    else:
        assert not tls_lines(session(tls_dest, False))
        assert tls_lines(session(tls_dest, True))
