"""ftp+srv:// / ftp+txt:// backends: DNS SRV and TXT records looked up by
each session (not at config time) from a real DNS server on loopback
(dns_server.py), the proxy started in a private mount namespace whose
/etc/resolv.conf names that server."""
import itertools
import os
import time

import pytest

import dns_server as D
import harness as H
import tls_pki

# The reference build cannot run these: it resolves SRV/TXT when the
# configuration is parsed, and its mod_proxy.so fails then with "undefined
# symbol: ns_initparse" (not linked with libresolv).
pytestmark = pytest.mark.swift_only

SERVICE = "_ftp._tcp.it.test"
# Each pytest-xdist worker its own run of addresses (port 53 is fixed).
_addresses = itertools.count(160 + 16 * H.xdist_worker()[0])


@pytest.fixture
def dns(lab):
    address = f"127.0.0.{next(_addresses)}"
    try:
        server = D.DNSServer(address)
    except OSError as e:
        pytest.skip(f"cannot bind {address}:53: {e}")
    probe = H.run(H.with_resolv_conf(server.resolv_conf(lab.dir)) + ["true"])
    if probe.returncode != 0:
        server.close()
        pytest.skip(f"no private mount namespace here: {probe.stderr.decode().strip()}")
    yield server
    server.close()


def _proxy(lab, dns, servers, start=True, **kw):
    p = lab.proxy(servers, start=False, **kw)
    p.launcher = H.with_resolv_conf(dns.resolv_conf(lab.dir))
    if start:
        p.start(banner=kw.get("banner", True))
    return p


def _port(b):
    return int(b.url.rsplit(":", 1)[1])


def test_srv_targets_in_priority_order_with_failover(lab, dns):
    b0, b1 = H.marker_backends(lab, 2)
    dead = lab.ports.closed_port()
    dns.zone[(SERVICE, D.SRV)] = [D.srv(30, 0, _port(b0), "b0.it.test"),
                                  D.srv(10, 0, dead, "dead.it.test"),
                                  D.srv(20, 0, _port(b1), "b1.it.test")]
    # One backend for the policy: the targets are tried in RFC 2782 order,
    # the first (priority 10) refuses, the next one (20) is used. The dead
    # target is held off: the sessions after the first go straight to b1.
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}"], extra="  ProxyRetryCount 1")   # its probe: the first
    for _ in range(2):
        assert H.marker_session(p) == "backend1"
    log = p.read("proxy.log")
    url = f"ftp+srv://{SERVICE}:21"
    failed = log.index(f"backend connect failed: {url} (ftp://dead.it.test:{dead})")
    assert log.index(f"backend selected: {url} (ftp://b1.it.test:{_port(b1)})") > failed, log
    assert log.count("backend connect failed") == 1, log
    assert f"backend ftp://dead.it.test:{dead} held off" in log, log
    assert f"backend {url} held off" not in log, log
    assert (f"backend ftp+srv://{SERVICE}:21: DNS named ftp://dead.it.test:{dead}, "
            f"ftp://b1.it.test:{_port(b1)}, ftp://b0.it.test:{_port(b0)}") in log, log
    assert (SERVICE, D.SRV) in dns.queries


def test_srv_is_looked_up_by_each_session_not_at_config_time(lab, dns):
    b0, b1 = H.marker_backends(lab, 2)
    # TTL 0: never kept, every session asks.
    dns.zone[(SERVICE, D.SRV)] = [D.srv(0, 0, _port(b0), "b0.it.test", ttl=0)]
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}"])
    assert H.marker_session(p) == "backend0"
    dns.zone[(SERVICE, D.SRV)] = [D.srv(0, 0, _port(b1), "b1.it.test", ttl=0)]
    assert H.marker_session(p) == "backend1"
    assert dns.queries.count((SERVICE, D.SRV)) >= 2


def test_txt_records_holding_urls(lab, dns):
    (b0,) = H.marker_backends(lab, 1)
    dns.zone[("it.test", D.TXT)] = [D.txt("v=spf1 -all"), D.txt("ftp+srv://_ftp._tcp.loop.test"),
                                    D.txt(b"\x01\xffbinary"), D.txt("ftp://127.0.0.1:", f"{_port(b0)}")]
    p = _proxy(lab, dns, ["ftp+txt://it.test:2121"])
    assert H.marker_session(p) == "backend0"
    log = p.read("proxy.log")
    assert "skipping TXT record 'v=spf1 -all' is not a supported URL" in log, log
    assert "a discovered URL may not use DNS discovery itself" in log, log
    assert "skipping a TXT record that is not printable text" in log, log
    assert "port 2121 ignored, the ports come from DNS TXT records" in log, log


BAD_ANSWERS = [
    ("nxdomain", "no such domain (NXDOMAIN)"),
    ("servfail", "no answer (SERVFAIL, a timeout, or an unusable reply)"),
    ("garbage", "no answer (SERVFAIL, a timeout, or an unusable reply)"),
    ([], "no SRV records"),
    ([D.srv(0, 0, 21, ".")], "skipping SRV target '.' (no service offered)"),
    ([(D.SRV, 60, b"\x00\x01\x00\x01\x00\x15\xc0\xff")], "malformed DNS answer: name pointer does not point backwards"),
    ([(D.SRV, 60, b"\x00\x01")], "malformed DNS answer: SRV record cut short"),
]


@pytest.mark.parametrize("answer,needle", BAD_ANSWERS, ids=["nxdomain", "servfail", "garbage", "empty", "root-target",
                                                           "bad-pointer", "short-srv"])
def test_bad_srv_answers_are_logged_and_refused(lab, dns, answer, needle):
    dns.zone[(SERVICE, D.SRV)] = answer
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}"], extra="  ProxyTimeoutConnect 2", banner=False)
    started = time.monotonic()
    code, text = H.first_reply(p)
    assert code == "421", (code, text)
    assert "no usable backend server found" in text, text
    assert time.monotonic() - started < 8
    log = p.read("proxy.log")
    assert needle in log, log


def test_a_failed_lookup_skips_only_that_backend(lab, dns):
    (b0,) = H.marker_backends(lab, 1)
    dns.zone[(SERVICE, D.SRV)] = "nxdomain"
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}", b0.url], policy="RoundRobin")
    assert {H.marker_session(p) for _ in range(2)} == {"backend0"}
    assert f"skipping backend ftp+srv://{SERVICE}:21: DNS SRV lookup of '{SERVICE}': no such domain" in p.read("proxy.log")


def test_srv_service_is_one_backend_for_the_connect_policy(lab, dns):
    """RoundRobin alternates between the SRV service and a static URL; within
    the service, the priority-10 target always comes before the priority-20 one."""
    b0, b1, b2 = H.marker_backends(lab, 3)
    dns.zone[(SERVICE, D.SRV)] = [D.srv(20, 50, _port(b2), "b2.it.test"),
                                  D.srv(10, 50, _port(b1), "b1.it.test")]
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}", b0.url], policy="RoundRobin")
    seen = [H.marker_session(p) for _ in range(4)]
    assert sorted(seen) == ["backend0", "backend0", "backend1", "backend1"], seen


def test_answers_are_shared_by_sessions_until_their_ttl_runs_out(lab, dns):
    b0, b1 = H.marker_backends(lab, 2)
    dns.zone[(SERVICE, D.SRV)] = [D.srv(0, 0, _port(b0), "b0.it.test", ttl=3),
                                  D.srv(1, 0, _port(b1), "b1.it.test", ttl=2)]
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}"])   # its banner probe asked DNS
    asked = dns.queries.count((SERVICE, D.SRV))
    assert asked == 1
    dns.zone[(SERVICE, D.SRV)] = [D.srv(0, 0, _port(b1), "b1.it.test", ttl=2)]
    # Within the smallest TTL (2 s) the kept answer is used: no query.
    assert H.marker_session(p) == "backend0"
    assert dns.queries.count((SERVICE, D.SRV)) == asked
    time.sleep(2.5)
    assert H.marker_session(p) == "backend1"
    assert dns.queries.count((SERVICE, D.SRV)) == asked + 1


def test_a_long_srv_answer_is_cut_to_eight_targets(lab, dns):
    (b0,) = H.marker_backends(lab, 1)
    dead = lab.ports.closed_port()
    dns.zone[(SERVICE, D.SRV)] = ([D.srv(i, 0, dead, f"dead{i}.it.test") for i in range(40)]
                                  + [D.srv(50, 0, _port(b0), "b0.it.test")])
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}"], banner=False)
    code, text = H.first_reply(p)
    assert code == "421", (code, text)
    log = p.read("proxy.log")
    assert "(the first 8 of 41)" in log, log
    assert f"backend connect failed: ftp+srv://{SERVICE}:21 (ftp://dead7.it.test:{dead})" in log, log
    assert "(ftp://dead8.it.test" not in log and "b0.it.test" not in log, log


def test_ftps_srv_targets_require_tls(lab, dns):
    """ftps+srv://: TLS to the SRV target (verified by its name), never clear."""
    pki = tls_pki.PKI(os.path.join(lab.dir, "pki"))
    log = os.path.join(lab.dir, "tls-backend-tls.log")
    b = lab.backend(name="tls-backend", modules=("mod_tls.c",), extra=tls_pki.backend_tls_block(pki.server, log))
    b.put_file("marker.txt", b"tls-backend\n")
    dns.zone[(SERVICE, D.SRV)] = [D.srv(0, 0, _port(b), "localhost")]
    p = _proxy(lab, dns, [f"ftps+srv://{SERVICE}"], tls_engine_off=False,
               extra=f"  ProxyTLSCACertificateFile {pki.ca_cert}\n  ProxyTLSEngine auto")
    assert H.marker_session(p) == "tls-backend"
    assert f"backend ftps://localhost:{_port(b)}: TLSv1.3" in p.read("proxy.log"), p.read("proxy.log")
    # With ProxyTLSEngine off, the ftps+srv backend is skipped, never used in clear.
    off = _proxy(lab, dns, [f"ftps+srv://{SERVICE}"], name="proxy-off", banner=False)
    code, text = H.first_reply(off)
    assert code == "421", (code, text)
    assert "ftps+srv:// requires TLS, and ProxyTLSEngine is off" in off.read("proxy.log")


def test_no_lookup_at_config_time(lab, dns):
    """proftpd -t and the daemon's start ask DNS nothing: sessions do."""
    (b0,) = H.marker_backends(lab, 1)
    dns.zone[(SERVICE, D.SRV)] = [D.srv(0, 0, _port(b0), "b0.it.test")]
    p = _proxy(lab, dns, [f"ftp+srv://{SERVICE}"], start=False)
    assert p.check_syntax().returncode == 0
    p.start(wait=False)
    assert H.wait_until(lambda: "STARTUP" in p.read("stderr.log"), 10), p.logs()
    time.sleep(0.5)
    assert (SERVICE, D.SRV) not in dns.queries, dns.queries
    p.wait_ready()
    assert H.marker_session(p) == "backend0"
    assert (SERVICE, D.SRV) in dns.queries
