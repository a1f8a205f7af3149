"""Login sequence edge cases: the proxy answers as a plain ProFTPD does.

Every sequence runs against the plain backend (no proxy) and through the
proxy; the replies must be the same, code and text."""
import socket

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


def _replies(daemon, commands):
    s = socket.create_connection((daemon.host, daemon.port), timeout=10)
    try:
        f = s.makefile("rb")
        H.raw_reply(f)
        out = []
        for c in commands:
            s.sendall(c.encode() + b"\r\n")
            code, text = H.raw_reply(f)
            out.append(f"{c.split()[0]} -> {text.strip()}")
        return out
    finally:
        s.close()


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_login_sequence_as_plain_proftpd(pair, name):
    b, p = pair
    plain = _replies(b, SEQUENCES[name])
    proxied = _replies(p, SEQUENCES[name])
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
