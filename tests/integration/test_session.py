"""Control-connection behaviour: banner, login, FEAT, idle timeout, vanishing clients."""
import ftplib
import socket
import struct
import time

import pytest

import harness as H


def test_banner_is_the_backends(pair):
    b, p = pair
    f = H.connect(p, login=False)
    try:
        assert f.welcome == f"220 {H.BACKEND_IDENT}"
        assert H.PROXY_IDENT not in f.welcome
    finally:
        f.close()


def test_login_and_logout(pair):
    b, p = pair
    f = H.connect(p, login=False)
    assert f.sendcmd(f"USER {H.USER}").startswith("331")
    assert f.sendcmd(f"PASS {H.PASSWORD}").startswith("230")
    # the backend answers: PWD is the user's home there (the proxy has no such dir)
    assert f.pwd() == b.home
    assert len(p.live_session_pids()) == 1 and len(b.live_session_pids()) == 1
    bye = f.quit()
    assert bye.startswith("221"), bye
    f.close()
    assert p.wait_no_sessions(5), p.session_children()
    assert b.wait_no_sessions(5), b.session_children()


def test_wrong_password_then_right_one(pair):
    b, p = pair
    f = H.connect(p, login=False)
    try:
        assert f.sendcmd(f"USER {H.USER}").startswith("331")
        with pytest.raises(ftplib.error_perm) as ei:
            f.sendcmd("PASS not-the-password")
        assert str(ei.value).startswith("530"), ei.value
        # the same control connection goes on: a second attempt succeeds
        f.login(H.USER, H.PASSWORD)
        assert f.pwd() == b.home
    finally:
        H.bye(f)


def test_unknown_user_is_refused(pair):
    b, p = pair
    f = H.connect(p, login=False)
    try:
        with pytest.raises(ftplib.error_perm) as ei:
            f.login("mallory", "whatever")
        assert str(ei.value).startswith("530"), ei.value
    finally:
        f.close()


def _feat_lines(reply):
    """Feature lines of a 211 FEAT reply, stripped, without the 211 frame."""
    lines = reply.splitlines()
    assert lines[0].startswith("211") and lines[-1].startswith("211"), reply
    return sorted(ln.strip() for ln in lines[1:-1])


@pytest.fixture
def feat_backend(lab):
    # mod_copy adds "SITE COPY" only on the backend; mod_site_misc adds "SITE MKDIR"
    # only on the proxy, so each FEAT reply tells whose it is.
    return lab.backend(modules=("mod_copy.c",))


def _feat_via_proxy_and_direct(lab, backend, extra=""):
    """(proxy's FEAT lines, backend's own FEAT lines)."""
    p = lab.proxy(backend, outside="LoadModule mod_site_misc.c", extra=extra)
    replies = []
    for daemon in (p, backend):
        f = H.connect(daemon)
        try:
            replies.append(_feat_lines(f.sendcmd("FEAT")))
        finally:
            H.bye(f)
    return replies


def test_feat_is_hidden_by_default(lab, feat_backend):
    feats, backend_feats = _feat_via_proxy_and_direct(lab, feat_backend)
    assert "SITE COPY" in backend_feats, backend_feats
    assert "SITE COPY" not in feats, feats
    assert "SITE MKDIR" in feats, feats


def test_feat_is_proxied_with_show_features(lab, feat_backend):
    feats, backend_feats = _feat_via_proxy_and_direct(lab, feat_backend, extra="  ProxyOptions ShowFeatures")
    assert "SITE COPY" in feats, feats
    assert "SITE MKDIR" not in feats, feats
    assert feats == backend_feats


def test_idle_timeout_closes_session(lab):
    b = lab.backend()
    p = lab.proxy(b, timeouts=H.DEFAULT_TIMEOUTS.replace("TimeoutIdle 120", "TimeoutIdle 3"))
    f = H.connect(p, timeout=15)
    t0 = time.monotonic()
    f.sock.settimeout(10)
    try:
        reply = f.file.readline()
    except OSError:
        reply = ""
    dt = time.monotonic() - t0
    f.close()
    assert dt < 6.5, f"idle session kept for {dt:.1f}s"
    assert dt > 2.0, f"idle session ended after only {dt:.1f}s ({reply!r})"
    assert reply == "" or reply.startswith("421"), reply
    assert p.wait_no_sessions(5), p.session_children()
    assert b.wait_no_sessions(5), b.session_children()


def test_vanished_client_ends_backend_session(pair):
    b, p = pair
    s = socket.create_connection((p.host, p.port), timeout=10)
    fp = s.makefile("rb")
    assert H.raw_reply(fp)[0] == "220"
    s.sendall(f"USER {H.USER}\r\n".encode())
    assert H.raw_reply(fp)[0] == "331"
    s.sendall(f"PASS {H.PASSWORD}\r\n".encode())
    assert H.raw_reply(fp)[0] == "230"
    (back,) = b.wait_session_child(1)
    (front,) = p.wait_session_child(1)
    # abortive close: RST, no QUIT
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    fp.close()
    s.close()
    assert H.wait_until(lambda: not H.pid_alive(front), 5), "proxy session child still running"
    assert H.wait_until(lambda: not H.pid_alive(back), 5), "backend session child still running"
