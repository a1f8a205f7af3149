"""Login sequence edge cases: the proxy answers as a plain ProFTPD does.

Every sequence runs against the plain backend (no proxy) and through the
proxy; the replies must be the same, code and text."""
import pytest

import harness as H

P = H.PASSWORD
SEQUENCES = {
    "pass_without_user": ["PASS x"],
    "second_pass_after_login": ["USER alice", f"PASS {P}", f"PASS {P}", "PWD"],
    "same_user_after_login": ["USER alice", f"PASS {P}", "USER alice", f"PASS {P}", "PWD"],
    "other_user_after_login": ["USER alice", f"PASS {P}", "USER mallory", "PASS x", "PWD"],
    "pass_after_failed_pass": ["USER alice", "PASS wrong", f"PASS {P}", "PWD"],
    "user_without_argument": ["USER", "USER alice", f"PASS {P}"],
    "host_before_login": ["HOST 127.0.0.1", "USER alice", f"PASS {P}", "PWD"],
    "host_after_login": ["USER alice", f"PASS {P}", "HOST 127.0.0.1", "PWD"],
    "host_unknown": ["HOST nosuch.example", "USER alice", f"PASS {P}"],
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_login_sequence_as_plain_proftpd(pair, name):
    b, p = pair
    plain = H.replies_to(b, SEQUENCES[name])
    proxied = H.replies_to(p, SEQUENCES[name])
    assert proxied == plain


def test_round_robin_still_alternates_after_host(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends)
    seen = []
    for _ in range(4):
        f = H.connect(p, login=False)
        try:
            assert f.sendcmd("HOST 127.0.0.1").startswith("220")
            f.login(H.USER, H.PASSWORD)
            seen.append(H.which_backend(f))
        finally:
            H.bye(f)
    assert seen[0] != seen[1] and seen[0] == seen[2] and seen[1] == seen[3], seen


def _with_named_vhost(lab, main_backends, vhost_backends, policy="RoundRobin"):
    """A proxy whose main server uses main_backends, plus a name-based
    <VirtualHost> on the same address and port (ServerAlias other.example)
    that uses vhost_backends."""
    p = lab.proxy(main_backends, start=False, policy=policy)
    urls = " ".join(b.url for b in vhost_backends)
    conf = p.read("proftpd.conf") + f"""
<VirtualHost 127.0.0.1>
  Port {p.port}
  ServerName "it-other"
  ServerAlias other.example
  ServerIdent on "other-vhost-ident"
  TransferLog {p.dir}/xferlog-other
  <IfModule mod_proxy.c>
    ProxyEngine on
    ProxyRole reverse
    ProxyLog {p.dir}/proxy.log
    ProxyReverseConnectPolicy {policy}
    ProxyReverseServers {urls}
  </IfModule>
</VirtualHost>
"""
    p.write_conf(conf)
    p.start()
    return p


@pytest.mark.swift_only
def test_host_selects_the_named_virtual_host_before_the_backend(lab):
    backends = H.marker_backends(lab, 4)
    p = _with_named_vhost(lab, backends[:2], backends[2:])
    seen_other = []
    for _ in range(4):
        f = H.connect(p, login=False)
        try:
            assert f.welcome.startswith("220 ")
            # the core answers a HOST that switches servers with that server's banner
            assert f.sendcmd("HOST other.example") == "220 other-vhost-ident"
            f.login(H.USER, H.PASSWORD)
            seen_other.append(H.which_backend(f))
        finally:
            H.bye(f)
    # round robin alternates within each server's own list (a session that
    # moves away with HOST took its turn in the first server's rotation: the
    # backend is chosen at connect, so the client sees its banner)
    assert seen_other == ["backend2", "backend3", "backend2", "backend3"], seen_other
    seen_main = [H.marker_session(p) for _ in range(4)]
    assert sorted(set(seen_main)) == ["backend0", "backend1"], seen_main
    assert seen_main[0] != seen_main[1] and seen_main[:2] == seen_main[2:], seen_main
    assert p.wait_no_sessions(5)
    for b in backends:
        assert b.wait_no_sessions(5)


@pytest.mark.swift_only
def test_host_naming_the_current_server_keeps_the_backend(lab):
    backends = H.marker_backends(lab, 2)
    p = _with_named_vhost(lab, backends, backends[:1])
    f = H.connect(p, login=False)
    try:
        assert f.sendcmd("HOST 127.0.0.1").startswith("220")
        f.login(H.USER, H.PASSWORD)
        first = H.which_backend(f)
    finally:
        H.bye(f)
    assert first in ("backend0", "backend1")


def test_commands_before_user_with_a_per_user_policy(lab):
    """PerUser connects no backend before USER: the proxy's own auth check
    answers commands that need a login, as mod_auth's does."""
    b = lab.backend()
    p = lab.proxy(b, policy="PerUser")
    commands = ["PWD", "CWD /", "LIST", "USER alice", f"PASS {P}", "NOOP"]
    plain = H.replies_to(b, commands)
    assert H.replies_to(p, commands) == plain
    assert plain[0] == "PWD -> 530 Please login with USER and PASS"
