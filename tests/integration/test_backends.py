"""Backend selection, failover, backend failures, session notes."""
import os
import signal
import socket
import time

import pytest

import harness as H

MiB = H.MiB


def _marker(f):
    return H.retr_bytes(f, "marker.txt").decode()


def test_round_robin_alternates(lab):
    b1 = lab.backend(name="backend1")
    b2 = lab.backend(name="backend2")
    b1.put_file("marker.txt", b"backend-ONE")
    b2.put_file("marker.txt", b"backend-TWO")
    p = lab.proxy([b1, b2])
    seen = []
    for _ in range(4):
        f = H.connect(p)
        try:
            seen.append(_marker(f))
        finally:
            H.bye(f)
    assert set(seen) == {"backend-ONE", "backend-TWO"}, seen
    assert seen[0] != seen[1] and seen[0] == seen[2] and seen[1] == seen[3], seen


def test_failover_skips_dead_first_backend(lab):
    b = lab.backend()
    b.put_file("marker.txt", b"the-live-one")
    dead = lab.ports.closed_port()
    p = lab.proxy([f"ftp://127.0.0.1:{dead}", b.url])
    for _ in range(2):        # whichever one round robin starts with
        f = H.connect(p)
        try:
            assert f.welcome == f"220 {H.BACKEND_IDENT}"
            assert _marker(f) == "the-live-one"
        finally:
            H.bye(f)


def _first_reply_or_close(p, timeout):
    """Connects; returns (code or None on close, text, seconds)."""
    t0 = time.monotonic()
    s = socket.create_connection((p.host, p.port), timeout=timeout)
    try:
        fp = s.makefile("rb")
        try:
            code, text = H.raw_reply(fp)
        except ConnectionResetError:
            code, text = None, "reset"
        return code, text, time.monotonic() - t0
    finally:
        s.close()


@pytest.fixture
def all_down(lab):
    dead = [lab.ports.closed_port(), lab.ports.closed_port()]
    p = lab.proxy([f"ftp://127.0.0.1:{d}" for d in dead], banner=False,
                  extra="  ProxyTimeoutConnect 2s\n  ProxyRetryCount 2")
    return p, dead


def test_all_backends_down_no_hang(all_down):
    p, dead = all_down
    code, text, dt = _first_reply_or_close(p, timeout=30)
    # 2 attempts x 2 s connect timeout + slack; refused connects are instant anyway
    assert dt < 2 * 2 + 3, f"took {dt:.1f}s"
    assert code is None or code.startswith("4"), text
    assert H.wait_until(lambda: any(f"127.0.0.1:{d}" in p.read("proxy.log") for d in dead), 5), \
        p.read("proxy.log")
    assert p.wait_no_sessions(5), p.session_children()


@pytest.mark.swift_only
def test_all_backends_down_replies_4xx(all_down):
    p, dead = all_down
    code, text, dt = _first_reply_or_close(p, timeout=30)
    assert code is not None and code.startswith("4"), f"got {text!r}"
    assert dt < 2 * 2 + 3


def test_backend_dies_mid_transfer(lab):
    b, p = lab.pair()
    H.make_random_file(b.home_path("big.bin"), 64 * MiB)
    f = H.connect(p, timeout=30)
    try:
        (back,) = b.wait_session_child(1)
        (front,) = p.wait_session_child(1)
        conn = f.transfercmd("RETR big.bin")
        got = 0
        while got < MiB:
            chunk = conn.recv(1 << 16)
            assert chunk
            got += len(chunk)
        os.kill(back, signal.SIGKILL)
        t0 = time.monotonic()
        conn.settimeout(10)
        try:
            while conn.recv(1 << 20):
                pass
        except OSError:
            pass
        conn.close()
        f.sock.settimeout(10)
        try:
            text = f.getmultiline()
            code = text[:3]
        except (OSError, EOFError) as e:      # closed or reset: also acceptable
            code, text = None, repr(e)
        print("after backend death:", code, repr(text), f"{time.monotonic() - t0:.2f}s")
        dt = time.monotonic() - t0
        assert dt < 8, f"no reaction for {dt:.1f}s ({text!r})"
        assert code is None or code in ("426", "451", "421"), text
        # the proxy session must not outlive its backend
        assert H.wait_until(lambda: not H.pid_alive(front), 10), \
            f"proxy session child {front} still running\n{p.read('proxy.log')[-2000:]}"
    finally:
        f.close()


def test_session_notes_in_extended_log(lab):
    b = lab.backend()
    xlog = os.path.join(lab.dir, "notes.log")
    p = lab.proxy(b, outside=(
        'LogFormat notes "%{note:mod_proxy.backend-ip} %{note:mod_proxy.backend-port} '
        '%{note:mod_proxy.backend-url}"\n'
        f"ExtendedLog {xlog} ALL notes"))
    f = H.connect(p)
    try:
        f.pwd()
    finally:
        H.bye(f)
    want = f"127.0.0.1 {b.port} ftp://127.0.0.1:{b.port}"
    assert H.wait_until(lambda: os.path.exists(xlog) and want in open(xlog).read(), 5), \
        (open(xlog).read() if os.path.exists(xlog) else "no log")


def test_default_tls_engine_with_plain_backend(lab):
    """ProxyTLSEngine left at its default (auto): a backend without TLS still works."""
    b = lab.backend()
    b.put_file("marker.txt", b"plain-backend")
    p = lab.proxy(b, tls_engine_off=False)
    f = H.connect(p)
    try:
        assert _marker(f) == "plain-backend"
    finally:
        H.bye(f)
