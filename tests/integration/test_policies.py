"""Backend selection policies, the data transfer policy, URL credentials,
foreign data addresses and ProxySourceAddress, against real backends."""
import json
import os

import pytest

import harness as H


# ------------------------------------------------------------- ProxyDataTransferPolicy

POLICIES = [
    # (client mode, ProxyDataTransferPolicy, command the backend must see)
    ("PASV", "client", "PASV"),
    ("EPRT", "client", "EPRT"),
    ("PASV", "passive", "PASV"),
    ("EPSV", "active", "PORT"),
    ("PORT", "PASV", "PASV"),
    ("PASV", "EPSV", "EPSV"),
    ("EPSV", "PORT", "PORT"),
    ("PASV", "EPRT", "EPRT"),
]


@pytest.mark.parametrize("mode,policy,expected", POLICIES,
                         ids=[f"{m}-{p}" for m, p, _ in POLICIES])
def test_data_transfer_policy_chooses_backend_command(lab, mode, policy, expected):
    b = lab.backend()
    data = os.urandom(300_000)
    b.put_file("policy.bin", data)
    p = lab.proxy(b, extra=f"  ProxyDataTransferPolicy {policy}")
    f = H.connect(p, mode=mode)
    try:
        buf = []
        f.retrbinary("RETR policy.bin", buf.append)
        assert b"".join(buf) == data
    finally:
        H.bye(f)
    commands = [line.split(" ", 1)[0] for line in b.read("extended.log").splitlines()]
    data_commands = [c for c in commands if c in ("PASV", "EPSV", "PORT", "EPRT")]
    assert data_commands == [expected], (policy, commands)


# ------------------------------------------------------------- credentials in the URL


def test_url_credentials_log_in_to_the_backend(lab):
    b = lab.backend()
    b.put_file("marker.txt", b"with url credentials\n")
    url = b.url.replace("ftp://", f"ftp://{H.USER}:{H.PASSWORD}@")
    p = lab.proxy([url])
    f = H.ModeFTP(timeout=30)
    f.connect(p.host, p.port)
    try:
        reply = f.login("somebody", "anything-at-all")
        assert reply.startswith("230"), reply
        # the backend's own user name does not show through
        assert H.USER not in reply, reply
        assert "somebody" in reply, reply
        assert H.which_backend(f) == "with url credentials"
    finally:
        H.bye(f)
    # ... and the URL's password is never logged
    assert H.PASSWORD not in p.read("proxy.log")


# ------------------------------------------------------------- ProxyReverseConnectPolicy


def test_shuffle_uses_every_backend_once_per_cycle(lab):
    backends = H.marker_backends(lab, 3)
    p = lab.proxy(backends, policy="Shuffle")
    # The harness's readiness probe was the cycle's first session; sessions
    # 1-2 end that cycle and sessions 3-5 make up the next one.
    seen = [H.marker_session(p) for _ in range(5)]
    assert sorted(seen[2:]) == ["backend0", "backend1", "backend2"], seen
    assert len(set(seen[:2])) == 2, seen


def test_random_reaches_every_backend(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends, policy="Random")
    seen = {H.marker_session(p) for _ in range(16)}   # all on one: p = 2^-15
    assert seen == {"backend0", "backend1"}, seen


def test_least_conns_avoids_the_busy_backend(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends, policy="LeastConns")
    first = H.connect(p)
    try:
        busy = H.which_backend(first)
        # while the first session stays open, new sessions go to the other one
        # (each one's end is counted as its process exits: wait for that)
        others = set()
        for _ in range(3):
            p.wait_session_child(count=1)
            others.add(H.marker_session(p))
        assert busy not in others and len(others) == 1, (busy, others)
    finally:
        H.bye(first)


def test_least_response_time_works(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends, policy="LeastResponseTime")
    seen = {H.marker_session(p) for _ in range(4)}
    assert seen <= {"backend0", "backend1"} and seen, seen


def test_per_host_is_sticky(lab):
    backends = H.marker_backends(lab, 3)
    p = lab.proxy(backends, policy="PerHost")
    seen = [H.marker_session(p) for _ in range(4)]
    assert len(set(seen)) == 1, seen


def test_per_user_file_chooses_the_users_backend(lab):
    backends = H.marker_backends(lab, 2)
    d = lab.mkdir("per-user")
    with open(os.path.join(d, f"{H.USER}.json"), "w") as fh:
        json.dump([backends[1].url], fh)
    os.chmod(os.path.join(d, f"{H.USER}.json"), 0o644)
    p = lab.proxy([backends[0]], policy="PerUser",
                  extra=f"  ProxyReverseServers file:{d}/%U.json")
    seen = [H.marker_session(p) for _ in range(3)]
    assert seen == ["backend1"] * 3, seen


# ------------------------------------------------------------- foreign PASV addresses

FOREIGN = "MasqueradeAddress 127.0.0.2"   # the backend advertises an address it does not listen on


def test_foreign_pasv_address_is_refused_by_default(lab):
    b = lab.backend(extra=FOREIGN)
    b.put_file("f.bin", b"x" * 1000)
    p = lab.proxy(b, extra="  ProxyDataTransferPolicy PASV")
    f = H.connect(p)
    try:
        with pytest.raises(H.ftplib.error_temp) as err:
            f.retrbinary("RETR f.bin", lambda _: None)
        assert str(err.value).startswith("425"), err.value
    finally:
        H.bye(f)
    assert "AllowForeignAddress" in p.read("proxy.log")


def test_ignore_foreign_address_uses_the_control_address(lab):
    b = lab.backend(extra=FOREIGN)
    data = os.urandom(100_000)
    b.put_file("f.bin", data)
    p = lab.proxy(b, extra="  ProxyDataTransferPolicy PASV\n  ProxyOptions IgnoreForeignAddress")
    f = H.connect(p)
    try:
        buf = []
        f.retrbinary("RETR f.bin", buf.append)
        assert b"".join(buf) == data
    finally:
        H.bye(f)


# ------------------------------------------------------------- ProxySourceAddress


def test_source_address_is_used_towards_the_backend(lab):
    b = lab.backend()
    b.put_file("marker.txt", b"source\n")
    p = lab.proxy(b, extra="  ProxySourceAddress 127.0.0.3")
    assert H.marker_session(p) == "source"
    # xferlog: "<date> <secs> <remote host> <bytes> <file> ..."
    lines = [ln for ln in b.read("xferlog").splitlines() if "marker.txt" in ln]
    assert lines and " 127.0.0.3 " in lines[-1], lines


# ------------------------------------------------------------- no clear-text fallback


@pytest.mark.swift_only
def test_tls_engine_on_never_falls_back_to_clear_text(lab):
    """With ProxyTLSEngine on (TLS required) a backend without AUTH TLS
    refuses the session rather than seeing it in clear."""
    b = lab.backend()
    p = lab.proxy(b, tls_engine_off=False, extra="  ProxyTLSEngine on", banner=False)
    code, text = H.first_reply(p)
    assert code is not None and code.startswith("4"), text
    assert "ProxyTLSEngine on" in p.read("proxy.log")
    assert "USER" not in b.read("extended.log")


@pytest.mark.swift_only
def test_ftps_backends_are_skipped_not_used_in_clear(lab):
    plain = lab.backend(name="plain")
    plain.put_file("marker.txt", b"plain\n")
    tls_only = lab.backend(name="tls-only")
    tls_url = tls_only.url.replace("ftp://", "ftps://")
    p = lab.proxy([tls_url, plain.url])
    assert {H.marker_session(p) for _ in range(3)} == {"plain"}
    # ProxyTLSEngine off (the harness default): ftps:// needs TLS, so skipped
    assert "skipping backend ftps://" in p.read("proxy.log")
    assert "USER" not in tls_only.read("extended.log")


@pytest.mark.swift_only
def test_only_ftps_backends_refuse_the_session(lab):
    b = lab.backend()
    p = lab.proxy([b.url.replace("ftp://", "ftps://")], banner=False)
    code, text = H.first_reply(p)
    assert code is not None and code.startswith("4"), text
