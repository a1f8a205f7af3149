"""mod_proxy_protocol's directives in a real proftpd: bad values fail
`proftpd -t`, the timeout is honoured, and a proxied address takes effect
everywhere ProFTPD uses the client address: <Class>/<IfClass> matching,
<Limit> DenyClass, data-connection address checks, and (with
UseProxiedServerAddress) the choice of <VirtualHost>. ProxyProtocolEngine /
ProxyProtocolIgnore inside <IfClass> are matched on the connecting address."""
import ftplib

import pytest

import harness as H
import pp_helpers as P
from pp_helpers import v1, v2

pytestmark = pytest.mark.swift_only


def _check(srv):
    r = srv.check_syntax()
    return r.returncode, r.stdout + r.stderr


# ------------------------------------------------------------------ proftpd -t

BAD = {
    "version-v3": ("ProxyProtocolVersion", "ProxyProtocolVersion haproxyV3"),
    "timeout-abc": ("ProxyProtocolTimeout", "ProxyProtocolTimeout abc"),
    "timeout-negative": ("ProxyProtocolTimeout", "ProxyProtocolTimeout -5"),
    "options-foo": ("ProxyProtocolOptions", "ProxyProtocolOptions Foo"),
    "options-none": ("ProxyProtocolOptions", "ProxyProtocolOptions"),
    "engine-maybe": ("ProxyProtocolEngine", "ProxyProtocolEngine maybe"),
    "engine-no-arg": ("ProxyProtocolEngine", "ProxyProtocolEngine"),
    "ignore-two-args": ("ProxyProtocolIgnore", "ProxyProtocolIgnore on off"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_directive_fails_config_check(lab, case):
    directive, line = BAD[case]
    srv = P.pp_server(lab, start=False, pp=line)
    rc, out = _check(srv)
    assert rc != 0, f"proftpd -t accepted {line!r}:\n{out}"
    assert directive in out, out


def test_directive_in_directory_context_is_refused(lab):
    srv = P.pp_server(lab, start=False, pp="",
                      extra="<Directory /tmp>\n  ProxyProtocolEngine on\n</Directory>")
    rc, out = _check(srv)
    assert rc != 0 and "ProxyProtocolEngine" in out, out


GOOD = {
    "spec-example": "ProxyProtocolEngine on\nProxyProtocolTimeout 3sec\nAllowForeignAddress on",
    "versions": "ProxyProtocolEngine on\nProxyProtocolVersion haproxyV2",
    "v1": "ProxyProtocolEngine on\nProxyProtocolVersion haproxyV1",
    "options": "ProxyProtocolEngine on\nProxyProtocolOptions UseProxiedServerAddress",
    "ignore": "ProxyProtocolEngine on\nProxyProtocolIgnore on",
    "timeout-plain": "ProxyProtocolEngine on\nProxyProtocolTimeout 10",
}


@pytest.mark.parametrize("case", sorted(GOOD))
def test_good_directives_pass_config_check(lab, case):
    srv = P.pp_server(lab, start=False, pp=GOOD[case])
    rc, out = _check(srv)
    assert rc == 0, out


def test_spec_ifclass_examples_pass_config_check(lab):
    srv = P.pp_server(lab, start=False, pp="", modules=("mod_ifsession.c", "mod_proxy_protocol.c"),
                      extra="""
<Class untrusted-senders>
  From 1.2.3.4
  From 5.6.7.8
</Class>
<Class expect-proxy-protocol>
  From 192.168.18.33/24
  From 10.0.0.0/8
</Class>
<IfModule mod_proxy_protocol.c>
  ProxyProtocolEngine on
  <IfClass untrusted-senders>
    ProxyProtocolIgnore on
  </IfClass>
</IfModule>
<IfClass expect-proxy-protocol>
  <IfModule mod_proxy_protocol.c>
    ProxyProtocolEngine on
    AllowForeignAddress expect-proxy-protocol
  </IfModule>
</IfClass>
""")
    rc, out = _check(srv)
    assert rc == 0, out


# ------------------------------------------------------------------ timeout


@pytest.mark.parametrize("setting,seconds", [("1sec", 1), (None, 3)])
def test_timeout_closes_silent_client(lab, setting, seconds):
    pp = "ProxyProtocolEngine on" + (f"\nProxyProtocolTimeout {setting}" if setting else "")
    srv = P.pp_server(lab, pp=pp)
    mark = srv.log_mark()
    r = P.probe(srv.port, b"", wait=seconds + 4)
    assert r.closed and r.data == b"", r
    assert seconds - 0.3 <= r.elapsed <= seconds + 1.5, r
    assert f"timed out after {seconds}s waiting for the PROXY header (0 bytes received)" \
        in srv.since(mark, "server")


# ------------------------------------------------------------------ engine off


def test_engine_off_leaves_the_header_to_ftp(lab):
    """ProxyProtocolEngine off: nothing is read before the banner; a PROXY
    line is just an unknown FTP command and the address is the real one."""
    srv = P.pp_server(lab, pp="ProxyProtocolEngine off", probe=b"")
    f = P.ftp_session(srv.port, b"", login=False, source="127.0.0.8")
    try:
        assert f.welcome.startswith("220 pp-ftpd-ident"), f.welcome
        with pytest.raises(ftplib.error_perm) as ei:
            f.sendcmd("PROXY TCP4 10.1.2.3 10.9.8.7 1234 21")
        assert str(ei.value).startswith("500"), ei.value
        f.login(H.USER, H.PASSWORD)
        f.pwd()
    finally:
        H.bye(f)
    assert srv.wait_no_sessions(10)
    e = [x for x in srv.entries() if x["cmd"] == "PWD"][-1]
    assert e["addr"] == "127.0.0.8", e
    assert P.UPDATED not in srv.read("stderr.log") + srv.read("system.log")


# ------------------------------------------------------------------ foreign address


def test_without_allow_foreign_address_port_is_refused(lab):
    """The spec's reason for AllowForeignAddress: ProFTPD checks a PORT address
    against the (proxied) client address 10.1.2.3, so PORT 127.0.0.1 is
    refused. (Debian's 1.3.8 does not check passive data connections at all:
    a PASV connection from a foreign address is accepted even without this
    module, so there is nothing for the module to change there.)"""
    srv = P.pp_server(lab, foreign=False)
    ok = P.ftp_session(srv.port, v1("127.0.0.1", "127.0.0.1", 42002, srv.port))
    try:     # control: the header names the real address, PORT to it is fine
        assert ok.sendcmd("PORT 127,0,0,1,100,100").startswith("200")
    finally:
        H.bye(ok)
    mark = srv.log_mark()
    f = P.ftp_session(srv.port, v1("10.1.2.3", "10.9.8.7", 42001, 21))
    try:
        with pytest.raises(ftplib.error_perm) as ei:
            f.sendcmd("PORT 127,0,0,1,100,100")
        assert str(ei.value)[:1] == "5", ei.value
    finally:
        H.bye(f)
    assert H.wait_until(lambda: "Refused PORT 127,0,0,1,100,100 (address mismatch)"
                        in srv.since(mark, "server"), 5), srv.since(mark, "server")


# ------------------------------------------------------------------ classes

CLASSES = """
<Class realclients>
  From 10.1.2.0/24
</Class>
<Class lbs>
  From 127.0.0.1
</Class>
<Class blocked>
  From 10.66.0.0/16
</Class>
<IfModule mod_ifsession.c>
  <IfClass realclients>
    ServerIdent on "realclients-ident"
  </IfClass>
  <IfClass lbs>
    ServerIdent on "lbs-ident"
  </IfClass>
</IfModule>
<Limit LOGIN>
  DenyClass blocked
</Limit>
"""


@pytest.mark.parametrize("order", ["ifsession-first", "ifsession-last"])
def test_class_is_matched_on_the_proxied_address(lab, order):
    mods = ("mod_ifsession.c", "mod_proxy_protocol.c")
    srv = P.pp_server(lab, modules=mods if order == "ifsession-first" else mods[::-1], extra=CLASSES)

    def banner(header):
        f = P.ftp_session(srv.port, header, login=False)
        f.close()
        return f.welcome

    assert banner(v1("10.1.2.3", "10.9.8.7", 42010, 21)) == "220 realclients-ident"
    # in no class at all: not the load balancer's class either
    assert banner(v1("10.9.9.9", "10.9.8.7", 42011, 21)) == "220 pp-ftpd-ident"
    # no address in the header: the real one (127.0.0.1, class lbs) counts
    assert banner(b"PROXY UNKNOWN\r\n") == "220 lbs-ident"

    f = P.ftp_session(srv.port, v1("10.66.1.1", "10.9.8.7", 42012, 21), login=False)
    try:
        with pytest.raises(ftplib.error_perm) as ei:
            f.login(H.USER, H.PASSWORD)
        assert str(ei.value).startswith("530"), ei.value
    finally:
        f.close()
    f = P.ftp_session(srv.port, v1("10.1.2.4", "10.9.8.7", 42013, 21))
    try:
        assert f.pwd() == srv.home
    finally:
        H.bye(f)


LB_CLASS = """
<Class lb>
  From 127.0.0.1
</Class>
<IfModule mod_ifsession.c>
  <IfClass lb>
    ProxyProtocolEngine on
    ProxyProtocolVersion auto
  </IfClass>
</IfModule>
"""


@pytest.mark.parametrize("toplevel", ["", "ProxyProtocolEngine off"], ids=["ifclass-only", "toplevel-off"])
def test_engine_in_ifclass_of_the_connecting_address(lab, toplevel):
    """<IfClass lb> ProxyProtocolEngine on, lb = the load balancer's address:
    its connections must carry a header; anybody else talks plain FTP. An
    explicit top-level 'off' is overridden by the matching <IfClass>, as
    mod_ifsession does for any directive."""
    srv = P.pp_server(lab, pp="", modules=("mod_ifsession.c", "mod_proxy_protocol.c"),
                      extra=LB_CLASS + toplevel)
    mark = srv.log_mark()
    f = P.ftp_session(srv.port, v1("10.1.2.3", "10.9.8.7", 42020, 21))        # from 127.0.0.1
    try:
        f.pwd()
    finally:
        H.bye(f)
    g = P.ftp_session(srv.port, b"", source="127.0.0.8")                       # no header
    gport = g.sock.getsockname()[1]
    try:
        assert g.welcome.startswith("220 pp-ftpd-ident"), g.welcome
        g.pwd()
        # a header from outside the class is not read: FTP sees an unknown command
        with pytest.raises(ftplib.error_perm) as ei:
            g.sendcmd("PROXY TCP4 10.1.2.3 10.9.8.7 1234 21")
        assert str(ei.value).startswith("500"), ei.value
    finally:
        H.bye(g)
    assert srv.wait_no_sessions(10)
    pwds = [(e["addr"], e["port"]) for e in srv.entries(mark) if e["cmd"] == "PWD"]
    assert pwds == [("10.1.2.3", "42020"), ("127.0.0.8", str(gport))], pwds


CLASS_EXPRESSIONS = {
    "or-list": "lb,nosuch",
    "explicit-or": "OR nosuch lb",
    "and-with-negation": "AND lb !other",
    "negation": "!other",
}


@pytest.mark.swift_only
@pytest.mark.parametrize("expr", sorted(CLASS_EXPRESSIONS))
def test_ifclass_expressions_are_read_for_the_header(lab, expr):
    """The <IfClass> records of every expression form pass the checks made
    before mod_ifsession's private layout is read (a rejected record would
    leave the engine off and log a warning)."""
    extra = f"""
<Class lb>
  From 127.0.0.1
</Class>
<Class other>
  From 127.0.0.8
</Class>
<IfModule mod_ifsession.c>
  <IfClass {CLASS_EXPRESSIONS[expr]}>
    ProxyProtocolEngine on
    ProxyProtocolVersion auto
  </IfClass>
</IfModule>
"""
    srv = P.pp_server(lab, pp="", modules=("mod_ifsession.c", "mod_proxy_protocol.c"), extra=extra)
    mark = srv.log_mark()
    f = P.ftp_session(srv.port, v1("10.1.2.3", "10.9.8.7", 42021, 21))        # from 127.0.0.1
    try:
        f.pwd()
    finally:
        H.bye(f)
    g = P.ftp_session(srv.port, b"", source="127.0.0.8")                       # class "other": no header
    try:
        g.pwd()
    finally:
        H.bye(g)
    assert srv.wait_no_sessions(10)
    pwds = [e["addr"] for e in srv.entries(mark) if e["cmd"] == "PWD"]
    assert pwds == ["10.1.2.3", "127.0.0.8"], pwds
    logs = srv.read("stderr.log") + srv.read("system.log")
    assert "skipping an unexpected <IfClass" not in logs, logs[-3000:]
    assert "their layout is known for" not in logs, logs[-3000:]


IGNORE_CLASS = """
<Class untrusted-senders>
  From 127.0.0.9
</Class>
<IfModule mod_ifsession.c>
  <IfClass untrusted-senders>
    ProxyProtocolIgnore on
  </IfClass>
</IfModule>
"""


@pytest.mark.parametrize("toplevel", ["", "ProxyProtocolIgnore off"], ids=["ifclass-only", "toplevel-off"])
def test_spec_example_ignore_for_untrusted_senders(lab, toplevel):
    srv = P.pp_server(lab, modules=("mod_ifsession.c", "mod_proxy_protocol.c"),
                      extra=IGNORE_CLASS + toplevel)
    mark = srv.log_mark()
    f = P.ftp_session(srv.port, v1("10.1.2.3", "10.9.8.7", 42030, 21), source="127.0.0.9")
    fport = f.sock.getsockname()[1]
    try:
        f.pwd()
    finally:
        H.bye(f)
    g = P.ftp_session(srv.port, v1("10.1.2.3", "10.9.8.7", 42031, 21), source="127.0.0.1")
    try:
        g.pwd()
    finally:
        H.bye(g)
    assert srv.wait_no_sessions(10)
    pwds = [(e["addr"], e["port"]) for e in srv.entries(mark) if e["cmd"] == "PWD"]
    assert pwds == [("127.0.0.9", str(fport)), ("10.1.2.3", "42031")], pwds
    # the trace says the header was read and ignored, for the untrusted sender only
    trace = srv.since(mark, "trace.log")
    ignored = [ln for ln in trace.splitlines() if "read and ignored" in ln]
    assert len(ignored) == 1, trace[-3000:]
    assert ignored[0].endswith("<proxy_protocol:5>: PROXY header from 127.0.0.9 (class 'untrusted-senders') "
                               "read and ignored (ProxyProtocolIgnore on): keeping 127.0.0.9 as the client, "
                               "not the proxied source 10.1.2.3:42030"), ignored


# ------------------------------------------------------------------ UseProxiedServerAddress


@pytest.fixture
def vhosts(lab):
    """Main server 127.0.0.1 with UseProxiedServerAddress; vhost 'two' on
    127.0.0.2:X; vhost 'noopt' on 127.0.0.1:Z without the option."""
    srv = P.PPServer(lab, pp="ProxyProtocolEngine on\nProxyProtocolVersion auto",
                     extra="ProxyProtocolOptions UseProxiedServerAddress")
    P.track(lab, srv)
    two, srv.two_port = srv.vhost("", address="127.0.0.2", name="two")
    noopt, srv.noopt_port = srv.vhost("", name="noopt")
    srv.add(two + noopt)
    srv.start()
    srv.put_file("f.bin", b"v" * 20000)
    return srv


def test_proxied_destination_selects_vhost(vhosts):
    srv = vhosts
    mark = srv.log_mark()
    f = P.ftp_session(srv.port, v2("10.1.2.3", "127.0.0.2", 42040, srv.two_port))
    f.trust_server_pasv_ipv4_address = True      # the data port listens on 127.0.0.2
    try:
        assert f.welcome == "220 two-ident", f.welcome
        assert f.pwd() == srv.home
        assert P.retr(f, "f.bin") == b"v" * 20000
    finally:
        H.bye(f)
    assert srv.wait_no_sessions(10)
    e = [x for x in srv.entries(mark) if x["cmd"] == "PWD"][-1]
    assert (e["server"], e["local"], e["lport"], e["addr"]) == \
        ("two", "127.0.0.2", str(srv.two_port), "10.1.2.3"), e
    assert f"Changing to server 'two' (127.0.0.2:{srv.two_port}) due to PROXY protocol" \
        in srv.since(mark, "server")


@pytest.mark.parametrize("dst", ["unbound-port", "foreign-address", "main-itself"])
def test_proxied_destination_without_vhost_stays_on_main(vhosts, dst):
    srv = vhosts
    addr, port = {"unbound-port": ("127.0.0.2", srv.two_port + 1 if srv.two_port < 32767 else 1),
                  "foreign-address": ("10.9.8.7", 21),
                  "main-itself": ("127.0.0.1", srv.port)}[dst]
    f = P.ftp_session(srv.port, v1("10.1.2.3", addr, 42050, port))
    try:
        assert f.welcome == "220 pp-ftpd-ident", f.welcome
        f.pwd()
    finally:
        H.bye(f)


def test_without_option_destination_is_ignored(vhosts):
    srv = vhosts
    f = P.ftp_session(srv.noopt_port, v2("10.1.2.3", "127.0.0.2", 42060, srv.two_port))
    try:
        assert f.welcome == "220 noopt-ident", f.welcome
    finally:
        H.bye(f)


# ------------------------------------------------------------------ UseIPv6 off


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_ipv6_client_with_useipv6_off_is_not_silently_dropped(lab, version):
    """Either the IPv6 client address is used, or the connection is refused
    with a logged reason; never is the LB's own address kept silently."""
    srv = P.pp_server(lab, ipv6=False)
    mark = srv.log_mark()
    header = (v1 if version == "v1" else v2)("2001:db8::7", "2001:db8::1", 42070, 21)
    refused = False
    try:
        f = P.ftp_session(srv.port, header, mode="EPSV")
    except (EOFError, OSError, ftplib.Error):
        refused = True
    else:
        try:
            f.pwd()
        finally:
            H.bye(f)
    assert srv.wait_no_sessions(10)
    if refused:
        assert P.REJECT in srv.since(mark, "server"), srv.since(mark, "server")
    else:
        e = [x for x in srv.entries(mark) if x["cmd"] == "PWD"][-1]
        assert (e["addr"], e["port"]) == ("2001:db8::7", "42070"), e
