"""MaxLoginAttempts and mod_ban for logins the backend refuses: the proxy
counts them as mod_auth does on a plain server, and a banned client gets
what mod_ban gives on a plain server."""
import socket

import pytest

import harness as H


def _start(daemon, max_attempts, extra=""):
    conf = daemon.read("proftpd.conf").replace("MaxLoginAttempts 100", f"MaxLoginAttempts {max_attempts}")
    daemon.write_conf(conf + extra)
    daemon.start()
    return daemon


def _reply(f):
    try:
        return H.raw_reply(f)[1].strip() or "<closed>"
    except ConnectionResetError:     # closed while our next command was on its way
        return "<closed>"


def _transcript(daemon, commands):
    """The replies to commands, then '<closed>' if the server closed."""
    s = socket.create_connection((daemon.host, daemon.port), timeout=10)
    try:
        f = s.makefile("rb")
        out = [_reply(f)]
        for c in commands:
            if out[-1] == "<closed>":
                break
            try:
                s.sendall(c.encode() + b"\r\n")
            except OSError:
                out.append("<closed>")
                break
            out.append(_reply(f))
        if out[-1] != "<closed>":
            s.settimeout(3)
            try:
                if f.read(1) == b"":
                    out.append("<closed>")
            except OSError:
                pass
        return out
    finally:
        s.close()


WRONG_TWICE = ["USER alice", "PASS wrong", "USER alice", "PASS wrong", "NOOP"]


def _pair(lab, max_attempts, with_ban=False):
    plain = lab.backend(name="plain", start=False)
    _start(plain, max_attempts, H.mod_ban_config(plain) if with_ban else "")
    b = lab.backend()
    p = lab.proxy(b, start=False)
    _start(p, max_attempts, H.mod_ban_config(p) if with_ban else "")
    return plain, b, p


def _no_banner(text):
    return text.replace(H.BACKEND_IDENT, "<ident>")


@pytest.mark.swift_only
def test_refused_logins_count_for_max_login_attempts(lab):
    plain, b, p = _pair(lab, 2)
    expected = _transcript(plain, WRONG_TWICE)
    assert expected[-1] == "<closed>" and expected[-2] == "530 Login incorrect.", expected
    got = _transcript(p, WRONG_TWICE)
    assert [_no_banner(x) for x in got] == [_no_banner(x) for x in expected]
    assert p.wait_no_sessions(5) and b.wait_no_sessions(5)


def test_max_login_attempts_none_never_closes(lab):
    plain, b, p = _pair(lab, "none")
    got = _transcript(p, WRONG_TWICE * 2)
    assert len(got) == 11 and got[-1] == "530 Please login with USER and PASS", got


def test_a_successful_login_after_a_refusal(lab):
    plain, b, p = _pair(lab, 2)
    got = _transcript(p, ["USER alice", "PASS wrong", "USER alice", f"PASS {H.PASSWORD}", "NOOP"])
    assert got[4].startswith("230") and got[5].startswith("200"), got


def test_mod_ban_bans_after_max_login_attempts_as_on_a_plain_server(lab):
    plain, b, p = _pair(lab, 1, with_ban=True)
    assert _transcript(plain, ["USER alice", "PASS wrong"])[-1] == "<closed>"
    assert _transcript(p, ["USER alice", "PASS wrong"])[-1] == "<closed>"
    # the next connection from the same address is banned
    expected = _transcript(plain, ["USER alice"])
    got = _transcript(p, ["USER alice"])
    assert expected == ["<closed>"]      # mod_ban closes at once, no reply
    assert got == expected, "GOT " + repr(got)
    assert "MaxLoginAttempts" in p.read("ban.log"), p.read("ban.log")
    # the banned client's USER never reached the backend
    assert [ln.split()[0] for ln in b.read("extended.log").splitlines()].count("USER") == 1


def test_mod_ban_login_rate_as_on_a_plain_server(lab):
    """BanOnEvent LoginRate counts successful logins (mod_ban's POST_CMD PASS
    handler, which runs after the proxy's PASS as after mod_auth's)."""
    rate = "  BanOnEvent LoginRate 2/00:01:00 00:10:00\n"
    plain = lab.backend(name="plain", start=False)
    _start(plain, 100, H.mod_ban_config(plain).replace("  BanOnEvent MaxLoginAttempts 1/00:10:00 00:10:00\n", rate))
    b = lab.backend()
    p = lab.proxy(b, start=False)
    _start(p, 100, H.mod_ban_config(p).replace("  BanOnEvent MaxLoginAttempts 1/00:10:00 00:10:00\n", rate))
    login = ["USER alice", f"PASS {H.PASSWORD}", "QUIT"]
    expected = [_transcript(plain, login)[1:] for _ in range(3)]
    got = [_transcript(p, login)[1:] for _ in range(3)]
    # the second login reaches the rate: mod_ban closes it and bans
    # user@host, whose next PASS (mod_ban's PRE_CMD) is refused
    assert expected[0][1].startswith("230") and expected[1][1:] == ["<closed>"], expected
    assert expected[2][1] == "530 Login incorrect.", expected
    assert got[0] == expected[0] and got[2] == expected[2], got
    # Known difference: the proxy has sent the backend's 230 before mod_ban's
    # POST_CMD handler closes the session; a plain server's 230 is still
    # queued then and never sent.
    assert got[1] == ["331 Password required for alice", "230 User alice logged in", "<closed>"], got
    assert "LoginRate" in p.read("ban.log"), p.read("ban.log")
