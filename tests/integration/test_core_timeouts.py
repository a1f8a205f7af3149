"""ProFTPD's TimeoutLogin, TimeoutIdle, TimeoutNoTransfer and TimeoutStalled
on the proxy behave as on a plain server (same 421 text, then the close),
and the backend's own timeouts reach the client unchanged."""
import socket
import time

import pytest

import harness as H

BASE = {"TimeoutLogin": 60, "TimeoutIdle": 60, "TimeoutNoTransfer": 60, "TimeoutStalled": 60}
LOGIN = ["USER alice", f"PASS {H.PASSWORD}"]
CASES = {
    # which timeout, commands before waiting for it, the reply a plain server gives
    "TimeoutLogin": ([], "421 Login timeout (2 seconds): closing control connection"),
    "TimeoutIdle": (LOGIN + ["TYPE I"], "421 Idle timeout (2 seconds): closing control connection"),
    "TimeoutNoTransfer": (LOGIN + ["NOOP"], "421 No transfer timeout (2 seconds): closing control connection"),
}


def _timeouts(name):
    t = dict(BASE)
    t[name] = 2
    return "".join(f"{k} {v}\n" for k, v in t.items())


def _wait_for_close(daemon, commands):
    """Runs commands, then waits: (reply text the daemon sent unasked, or ''),
    whether the connection then closed, seconds waited."""
    s = socket.create_connection((daemon.host, daemon.port), timeout=15)
    try:
        f = s.makefile("rb")
        H.raw_reply(f)
        for c in commands:
            s.sendall(c.encode() + b"\r\n")
            code, _ = H.raw_reply(f)
            assert code and code[0] in "23", (c, code)
        start = time.monotonic()
        _, text = H.raw_reply(f)
        closed = f.read() == b""
        return text.strip(), closed, time.monotonic() - start
    finally:
        s.close()


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.swift_only) if n == "TimeoutLogin" else n
                                  for n in sorted(CASES)])
def test_timeout_on_the_proxy_as_on_a_plain_server(lab, name):
    commands, expected = CASES[name]
    plain = lab.backend(name="plain", timeouts=_timeouts(name))
    b = lab.backend(timeouts=_timeouts("TimeoutLogin").replace("TimeoutLogin 2", "TimeoutLogin 60"))
    p = lab.proxy(b, timeouts=_timeouts(name))
    assert _wait_for_close(plain, commands)[:2] == (expected, True)
    text, closed, waited = _wait_for_close(p, commands)
    assert (text, closed) == (expected, True)
    assert 1.5 < waited < 6, waited


@pytest.mark.swift_only
@pytest.mark.parametrize("name", sorted(CASES))
def test_backend_timeout_reaches_the_client_unchanged(lab, name):
    commands, expected = CASES[name]
    b = lab.backend(timeouts=_timeouts(name))
    p = lab.proxy(b, timeouts=_timeouts("TimeoutLogin").replace("TimeoutLogin 2", "TimeoutLogin 60"))
    text, closed, waited = _wait_for_close(p, commands)
    assert (text, closed) == (expected, True)
    assert waited < 6, waited
    assert p.wait_no_sessions(5) and b.wait_no_sessions(5)


def _stall(daemon):
    """Starts a big download and never reads it: (what the control
    connection said before closing, seconds until it closed)."""
    f = H.connect(daemon)
    try:
        conn = f.transfercmd("RETR big.bin")
        start = time.monotonic()
        f.sock.settimeout(20)
        rest = f.sock.makefile("rb").read()
        conn.close()
        return rest, time.monotonic() - start
    finally:
        f.close()


@pytest.mark.swift_only
def test_stalled_transfer_ends_the_session_as_on_a_plain_server(lab):
    plain = lab.backend(name="plain", timeouts=_timeouts("TimeoutStalled"))
    b = lab.backend()
    for d in (plain, b):
        d.put_file("big.bin", b"\0" * (64 * H.MiB))
    p = lab.proxy(b, timeouts=_timeouts("TimeoutStalled"))
    said, waited = _stall(plain)
    assert said == b"" and waited < 10          # ProFTPD closes without a reply
    said, waited = _stall(p)
    assert said == b"" and 1.5 < waited < 10, (said, waited)
    assert p.wait_no_sessions(5) and b.wait_no_sessions(10)
    assert "data transfer stalled" in p.read("proxy.log")
    assert "i" == [ln.split()[-1] for ln in p.read("xferlog").splitlines()][-1]
