"""ProxyOptions UseReverseProxyAuth, ProxyReverseConnectPolicy PerGroup and
%g lists, and per-user/per-group names without any backend list.

The proxy authenticates users itself from an AuthUserFile/AuthGroupFile of
its own (mod_auth_file; mod_sql answers through the same auth API), then
logs in to the backend with the same USER/PASS or the URL's credentials.

Users at the proxy:   alice (teamA, the backends know her too), carol (teamA),
dave (teamB), bob (teamB; no backend knows him).

The C reference: a successful proxy-authenticated login as root ends the
session at once ("unable to chroot to ProxyTables/empty/ directory ...:
Operation not permitted", also with RootRevoke off and mod_cap off), and it
answers PASS without USER, or after a failed PASS, with 530 where ProFTPD
says 503.
"""
import json
import os
import sqlite3
import subprocess
import time

import pytest

import harness as H

P = H.PASSWORD
USERS = {  # name: (password, primary group)
    "alice": (P, "teamA"),
    "carol": ("carol-pw-3", "teamA"),
    "dave": ("dave-pw-5", "teamB"),
    "bob": ("bob-pw-9", "teamB"),
}
GIDS = {"teamA": 2001, "teamB": 2002}
REF_CHROOT = ("a proxy-authenticated session as root is closed right after PASS: "
              "'unable to chroot to ProxyTables/empty/ directory: Operation not permitted'")


def _auth_config(lab, valid_shell="off"):
    """The proxy's own AuthUserFile/AuthGroupFile (ftpasswd format, SHA-512
    crypt). toor has uid 0 (RootLogin); every shell is /bin/false."""
    d = lab.mkdir("proxy-auth")
    pw, gr = os.path.join(d, "ftpd.passwd"), os.path.join(d, "ftpd.group")
    with open(pw, "w") as f:
        for name, (password, group) in list(USERS.items()) + [("toor", ("toor-pw", "teamA"))]:
            h = subprocess.run(["openssl", "passwd", "-6", password], check=True,
                               capture_output=True, text=True).stdout.strip()
            uid = 0 if name == "toor" else H.NOBODY_UID
            f.write(f"{name}:{h}:{uid}:{GIDS[group]}::/nonexistent/{name}:/bin/false\n")
    with open(gr, "w") as f:
        for group, gid in GIDS.items():
            members = ",".join(n for n, (_, g) in USERS.items() if g == group)
            f.write(f"{group}:x:{gid}:{members}\n")
    os.chmod(pw, 0o440)
    os.chmod(gr, 0o440)
    return (f"AuthOrder mod_auth_file.c\nAuthUserFile {pw}\nAuthGroupFile {gr}\n"
            f"RequireValidShell {valid_shell}\n")


def _proxy(lab, servers, policy="RoundRobin", extra="", outside="", valid_shell="off", **kw):
    return lab.proxy(servers, policy=policy, extra="  ProxyOptions UseReverseProxyAuth\n" + extra,
                     outside=_auth_config(lab, valid_shell) + outside, **kw)


def _as_alice(url):
    """The backend URL with alice's credentials: every proxy user logs in as her."""
    return url.replace("ftp://", f"ftp://{H.USER}:{H.PASSWORD}@")


def _login(p, user):
    f = H.ModeFTP(timeout=30)
    f.connect(p.host, p.port)
    f.login(user, USERS[user][0])
    return f


def _assert_login_refused(p, user, password):
    f = H.ModeFTP(timeout=30)
    f.connect(p.host, p.port)
    try:
        with pytest.raises(H.ftplib.error_perm, match="^530 Login incorrect.$"):
            f.login(user, password)
    finally:
        H.bye(f)


def _backend_logins(b):
    return [ln for ln in b.read("extended.log").splitlines() if ln.startswith("USER ")]


# ------------------------------------------------------------- the login, as ProFTPD answers it

REF_530 = "upstream answers PASS without USER, or after a failed PASS, with 530 (ProFTPD: 503)"
SEQUENCES = {  # name: (commands, why the C reference differs, or None)
    "good_login": (["USER alice", f"PASS {P}", "PWD"], REF_CHROOT),
    "bad_password_then_good": (["USER alice", "PASS wrong", f"PASS {P}", "USER alice", f"PASS {P}", "PWD"], REF_530),
    "unknown_user": (["USER nosuch", "PASS x", "PWD"], None),
    "pass_without_user": (["PASS x", "USER alice", f"PASS {P}", "PWD"], REF_530),
    "second_pass_after_login": (["USER alice", f"PASS {P}", f"PASS {P}", "PWD"], REF_CHROOT),
    "user_after_login": (["USER alice", f"PASS {P}", "USER alice", "USER mallory", "PWD"], REF_CHROOT),
    "commands_before_login": (["PWD", "LIST", "USER alice", "CWD /", f"PASS {P}", "PWD"], REF_CHROOT),
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.reference_bug(why)] if why else [])
                                  for n, (_, why) in sorted(SEQUENCES.items())])
def test_login_answers_as_a_plain_proftpd(lab, name):
    """The same replies, code and text, as the backend answers directly (a
    plain ProFTPD authenticating from its own AuthUserFile)."""
    b = lab.backend()
    p = _proxy(lab, [b])
    commands = SEQUENCES[name][0]
    plain = H.replies_to(b, commands)
    proxied = H.replies_to(p, commands)
    assert proxied == plain


@pytest.mark.reference_bug(REF_CHROOT)
def test_proxy_authenticates_before_any_backend_is_contacted(lab):
    b = lab.backend()
    b.put_file("marker.txt", b"through proxy auth\n")
    p = _proxy(lab, [b])
    # the proxy greets the client itself: no backend chosen yet
    assert H.first_reply(p)[1].startswith("220 " + H.PROXY_IDENT)
    for user, password in (("alice", "wrong"), ("nosuch", P), ("dave", "not-daves")):
        _assert_login_refused(p, user, password)
    assert _backend_logins(b) == []
    log = p.read("proxy.log")
    assert "login: user 'alice' refused by the proxy: Incorrect password" in log
    assert "login: user 'nosuch' refused by the proxy: No such user found" in log
    assert "USER nosuch (Login failed): No such user found" in (p.read("system.log") + p.read("stderr.log"))
    # a good login reaches the backend with the same USER/PASS
    f = _login(p, "alice")
    try:
        assert H.which_backend(f) == "through proxy auth"
    finally:
        H.bye(f)
    assert len(_backend_logins(b)) == 1
    assert "login: user 'alice' authenticated by the proxy" in p.read("proxy.log")
    # mod_auth's own log line for the login, and the TransferLog names the user
    assert "USER alice: Login successful." in (p.read("system.log") + p.read("stderr.log"))
    assert " alice " in p.read("xferlog"), p.read("xferlog")


@pytest.mark.reference_bug(REF_CHROOT)
def test_backend_refusing_the_login_ends_the_login_not_the_session(lab):
    """bob passes the proxy, the backend does not know him: the client gets
    the backend's reply, the proxy forgets bob, and a new login works."""
    b = lab.backend()
    b.put_file("marker.txt", b"after a refused login\n")
    p = _proxy(lab, [b])
    got = H.replies_to(p, ["USER bob", f"PASS {USERS['bob'][0]}", "PWD", "USER alice", f"PASS {P}", "RETR marker.txt"])
    assert got[:5] == ["USER -> 331 Password required for bob",
                       "PASS -> 530 Login incorrect.",
                       "PWD -> 530 Please login with USER and PASS",
                       "USER -> 331 Password required for alice",
                       "PASS -> 230 User alice logged in"], got
    assert "login failed: user 'bob' authenticated by the proxy, refused by backend" in p.read("proxy.log")


@pytest.mark.swift_only
def test_refused_logins_count_for_max_login_attempts(lab):
    b = lab.backend()
    p = _proxy(lab, [b], start=False)
    p.write_conf(p.read("proftpd.conf").replace("MaxLoginAttempts 100", "MaxLoginAttempts 2"))
    p.start()
    got = H.replies_to(p, ["USER alice", "PASS wrong", "USER bob", f"PASS {USERS['bob'][0]}", "NOOP"])
    # the second refusal (the backend refused bob) is the last one allowed
    assert got[:4] == ["USER -> 331 Password required for alice", "PASS -> 530 Login incorrect.",
                       "USER -> 331 Password required for bob", "PASS -> 530 Login incorrect."], got
    assert got[4] == "NOOP -> ", got    # closed
    assert "Maximum login attempts (2) exceeded" in (p.read("system.log") + p.read("stderr.log"))


def test_mod_ban_bans_after_logins_the_proxy_refused(lab):
    b = lab.backend()
    p = _proxy(lab, [b], start=False)
    p.write_conf(p.read("proftpd.conf").replace("MaxLoginAttempts 100", "MaxLoginAttempts 1")
                 + H.mod_ban_config(p))
    p.start()
    got = H.replies_to(p, ["USER alice", "PASS wrong", "NOOP"])
    assert got == ["USER -> 331 Password required for alice", "PASS -> 530 Login incorrect.", "NOOP -> "], got
    # the next connection from this address is banned: closed, no banner
    assert H.first_reply(p) == (None, "")
    assert "MaxLoginAttempts" in p.read("ban.log"), p.read("ban.log")
    assert _backend_logins(b) == []


# ------------------------------------------------------------- the proxy's rules know the user's groups

@pytest.mark.reference_bug(REF_CHROOT)
def test_limit_login_by_group(lab):
    b = lab.backend()
    p = _proxy(lab, [_as_alice(b.url)], outside="<Limit LOGIN>\n  DenyGroup teamB\n</Limit>\n")
    _assert_login_refused(p, "dave", USERS["dave"][0])
    assert "login: user 'dave' refused by the proxy: Limit configuration denies login" in p.read("proxy.log")
    f = _login(p, "carol")
    H.bye(f)
    assert len(_backend_logins(b)) == 1


@pytest.mark.reference_bug(REF_CHROOT)
def test_limit_sections_match_the_users_groups(lab):
    """AllowGroup/DenyGroup in <Limit> work with proxy auth (without it the
    proxy knows no groups and they never match)."""
    b = lab.backend()
    b.put_file("f.txt", b"x")
    p = _proxy(lab, [_as_alice(b.url)], extra="",
               outside="<Limit RETR>\n  DenyGroup teamB\n</Limit>\n")
    f = _login(p, "dave")
    try:
        with pytest.raises(H.ftplib.error_perm, match="^550 "):
            H.retr_bytes(f, "f.txt")
    finally:
        H.bye(f)
    f = _login(p, "carol")
    try:
        assert H.retr_bytes(f, "f.txt") == b"x"
    finally:
        H.bye(f)


def test_root_login_and_invalid_shells_are_refused_as_mod_auth_does(lab):
    b = lab.backend()
    p = _proxy(lab, [_as_alice(b.url)], valid_shell="on")
    for user, password in (("toor", "toor-pw"), ("carol", USERS["carol"][0])):
        _assert_login_refused(p, user, password)
    assert _backend_logins(b) == []
    logs = p.read("system.log") + p.read("stderr.log")
    assert "SECURITY VIOLATION: Root login attempted" in logs
    assert "USER carol (Login failed): Invalid shell" in logs


@pytest.mark.reference_bug(REF_CHROOT)
def test_group_rules_for_transfer_rates_and_log_formats(lab):
    """TransferRate ... group and LogFormat's %g see the user's groups."""
    b = lab.backend()
    payload = os.urandom(600 * 1024)
    b.put_file("f.bin", payload)
    logs = lab.mkdir("logs")
    p = _proxy(lab, [_as_alice(b.url)],
               outside=f"TransferRate RETR 200 group teamB\nLogFormat who \"%u %g %m\"\n"
                       f"ExtendedLog {logs}/who.log READ who\n")
    took = {}
    for user in ("carol", "dave"):
        f = _login(p, user)
        try:
            t = time.monotonic()
            assert H.retr_bytes(f, "f.bin") == payload
            took[user] = time.monotonic() - t
        finally:
            H.bye(f)
    assert took["carol"] < 1.5 and 2.4 < took["dave"] < 4.5, took      # 600 KiB at 200 KiB/s
    with open(os.path.join(logs, "who.log")) as fh:
        assert fh.read().splitlines() == ["carol teamA RETR", "dave teamB RETR"]


@pytest.mark.reference_bug(REF_CHROOT)
def test_session_is_chrooted_and_unprivileged_after_proxy_auth(lab):
    b = lab.backend()
    p = _proxy(lab, [b])
    f = _login(p, "alice")
    try:
        assert f.sendcmd("NOOP").startswith("200")
        (child,) = p.wait_session_child(1)
        assert os.path.realpath(H.proc_root(child)) == os.path.realpath(os.path.join(p.tables, "empty"))
        ids = H.proc_ids(child)
        assert 0 not in ids["Uid"] and 0 not in ids["Gid"], ids
    finally:
        H.bye(f)


# ------------------------------------------------------------- PerGroup and %g

def _group_files(lab, lists):
    d = lab.mkdir("groups")
    for group, urls in lists.items():
        with open(os.path.join(d, f"{group}.json"), "w") as f:
            json.dump(urls, f)
    return d


def _sticky_rows(p):
    con = sqlite3.connect(f"file:{p.tables}/proxy-reverse.db?mode=ro", uri=True, timeout=10)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(proxy_vhost_reverse_per_group)")]
        key = next(c for c in cols if c not in ("vhost_id", "backend_uri"))
        return dict(con.execute(f"SELECT {key}, backend_uri FROM proxy_vhost_reverse_per_group"))
    finally:
        con.close()


@pytest.mark.reference_bug(REF_CHROOT)
def test_per_group_is_sticky_per_primary_group(lab):
    backends = H.marker_backends(lab, 2)
    p = _proxy(lab, [_as_alice(b.url) for b in backends], policy="PerGroup")
    seen = {}
    for user in ["alice", "dave", "carol", "bob", "alice", "dave"]:
        f = _login(p, user)
        try:
            seen.setdefault(USERS[user][1], set()).add(H.which_backend(f))
        finally:
            H.bye(f)
    # every member of a group on one backend; round robin gave each group its own
    assert all(len(v) == 1 for v in seen.values()), seen
    assert seen["teamA"] != seen["teamB"], seen
    rows = _sticky_rows(p)
    assert sorted(rows) == ["teamA", "teamB"], rows


@pytest.mark.reference_bug(REF_CHROOT)
def test_per_group_json_files_with_the_static_list_as_fallback(lab):
    backends = H.marker_backends(lab, 3)
    d = _group_files(lab, {"teamA": [_as_alice(backends[2].url)]})
    p = _proxy(lab, [_as_alice(backends[0].url)], policy="PerGroup",
               extra=f"  ProxyReverseServers file:{d}/%g.json")
    for user, expected in (("alice", "backend2"), ("carol", "backend2"), ("dave", "backend0")):
        f = _login(p, user)
        try:
            assert H.which_backend(f) == expected, user
        finally:
            H.bye(f)
    # teamB has no file: the fallback is used, and ProxyLog says why
    assert f"{d}/teamB.json" in p.read("proxy.log")


@pytest.mark.reference_bug(REF_CHROOT)
def test_group_file_without_fallback_refuses_that_login_cleanly(lab):
    backends = H.marker_backends(lab, 1)
    d = _group_files(lab, {"teamA": [_as_alice(backends[0].url)]})
    p = _proxy(lab, [f"file:{d}/%g.json"], policy="PerGroup")
    got = H.replies_to(p, ["USER dave", f"PASS {USERS['dave'][0]}", "PWD",
                           "USER carol", f"PASS {USERS['carol'][0]}", "RETR marker.txt"])
    assert got[:5] == ["USER -> 331 Password required for dave", "PASS -> 530 Login incorrect.",
                       "PWD -> 530 Please login with USER and PASS",
                       "USER -> 331 Password required for carol", "PASS -> 230 User carol logged in"], got
    log = p.read("proxy.log")
    assert f"no PerGroup servers found for group 'teamB' (" in log and f"{d}/teamB.json" in log, log
    assert "and no global ProxyReverseServers configured" in log


def test_per_group_without_proxy_auth_is_a_configuration_error(lab):
    """Upstream's daemon refuses to start (its `proftpd -t` passes); this
    module also fails `proftpd -t`, naming the directive and the option."""
    b = lab.backend()
    p = lab.proxy([b], policy="PerGroup", start=False)
    r = p.check_syntax()
    if lab.is_reference:
        assert r.returncode == 0
        with pytest.raises(H.HarnessError, match="PerGroup ProxyReverseConnectPolicy requires the UseReverseProxyAuth"):
            p.start()
    else:
        assert r.returncode != 0
        assert "ProxyReverseConnectPolicy PerGroup requires the UseReverseProxyAuth ProxyOption" in r.stdout + r.stderr


# ------------------------------------------------------------- PerUser without an entry


def test_per_user_without_entry_and_without_fallback_refuses_that_login(lab):
    """PerUser with only per-user files: a user without a file gets upstream's
    530 at USER (no other pool, no hang); the session goes on."""
    backends = H.marker_backends(lab, 1)
    d = lab.mkdir("users")
    with open(os.path.join(d, f"{H.USER}.json"), "w") as f:
        json.dump([backends[0].url], f)
    p = lab.proxy([f"file:{d}/%U.json"], policy="PerUser")
    got = H.replies_to(p, ["USER nobody-here", "PASS x", f"USER {H.USER}", f"PASS {P}"])
    assert got[0] == "USER -> 530 Login incorrect.", got
    # PASS then: ProFTPD's answer to a PASS without an accepted USER
    # (upstream: "500 PASS: Operation not permitted")
    assert got[1] == ("PASS -> 500 PASS: Operation not permitted" if lab.is_reference
                      else "PASS -> 503 Login with USER first"), got
    assert got[2:] == [f"USER -> 331 Password required for {H.USER}", f"PASS -> 230 User {H.USER} logged in"], got
    log = p.read("proxy.log")
    assert "no PerUser servers found for user 'nobody-here'" in log, log
    if not lab.is_reference:
        assert f"{d}/nobody-here.json" in log, log


# ------------------------------------------------------------- mod_sql at the proxy

@pytest.mark.reference_bug(REF_CHROOT)
def test_mod_sql_authenticates_and_names_the_group(lab):
    """The same auth API: users and groups from mod_sql (SQLite) at the
    proxy, PerGroup by the group mod_sql reports."""
    backends = H.marker_backends(lab, 2)
    d = lab.mkdir("sql")
    db = os.path.join(d, "users.db")
    subprocess.run(["sqlite3", db,
                    "CREATE TABLE users (userid TEXT, passwd TEXT, uid INTEGER, gid INTEGER, homedir TEXT, shell TEXT);"
                    "CREATE TABLE groups (groupname TEXT, gid INTEGER, members TEXT);"
                    f"INSERT INTO users VALUES ('erin', 'erin-sql-pw', {H.NOBODY_UID}, 3001, '/nonexistent', '/bin/false');"
                    "INSERT INTO groups VALUES ('sqlteam', 3001, 'erin');"], check=True)
    os.chmod(db, 0o644)
    groups = _group_files(lab, {"sqlteam": [_as_alice(backends[1].url)]})
    sql = (f"LoadModule mod_sql.c\nLoadModule mod_sql_sqlite.c\n"
           f"<IfModule mod_sql.c>\n  SQLEngine on\n  SQLBackend sqlite3\n  SQLConnectInfo {db}\n"
           "  SQLAuthTypes Plaintext\n  SQLAuthenticate users groups\n"
           "  SQLUserInfo users userid passwd uid gid homedir shell\n"
           "  SQLGroupInfo groups groupname gid members\n</IfModule>\n")
    p = lab.proxy([_as_alice(backends[0].url)], policy="PerGroup",
                  extra=f"  ProxyOptions UseReverseProxyAuth\n  ProxyReverseServers file:{groups}/%g.json\n",
                  outside=sql + "AuthOrder mod_sql.c\nRequireValidShell off\n")
    _assert_login_refused(p, "erin", "wrong")
    f = H.ModeFTP(timeout=30)
    f.connect(p.host, p.port)
    try:
        assert f.login("erin", "erin-sql-pw").startswith("230")
        assert H.which_backend(f) == "backend1"
    finally:
        H.bye(f)
    # (what the refusal says is mod_sql's word, through the auth API)
    assert "login: user 'erin' refused by the proxy: " in p.read("proxy.log")


@pytest.mark.swift_only
def test_no_reachable_backend_after_proxy_auth_is_a_421(lab):
    dead = f"ftp://127.0.0.1:{lab.ports.port()}"
    p = _proxy(lab, [dead])
    got = H.replies_to(p, ["USER alice", f"PASS {P}", "NOOP"])
    assert got[0] == "USER -> 331 Password required for alice", got
    assert got[1].startswith("PASS -> 421 "), got
    assert got[2] == "NOOP -> ", got     # closed, no hang


@pytest.mark.reference_bug(REF_CHROOT)
def test_per_user_with_proxy_auth_is_sticky_and_reads_user_files(lab):
    backends = H.marker_backends(lab, 3)
    d = lab.mkdir("users")
    with open(os.path.join(d, "carol.json"), "w") as fh:
        json.dump([_as_alice(backends[2].url)], fh)
    p = _proxy(lab, [_as_alice(backends[0].url), _as_alice(backends[1].url)], policy="PerUser",
               extra=f"  ProxyReverseServers file:{d}/%U.json")
    seen = {}
    for user in ["alice", "dave", "carol", "alice", "dave", "carol"]:
        f = _login(p, user)
        try:
            seen.setdefault(user, set()).add(H.which_backend(f))
        finally:
            H.bye(f)
    assert seen["carol"] == {"backend2"}, seen
    assert len(seen["alice"]) == 1 and len(seen["dave"]) == 1, seen


@pytest.mark.reference_bug(REF_CHROOT)
def test_host_selects_a_server_that_authenticates_at_the_proxy(lab):
    """HOST before login moves the session to a name-based <VirtualHost>
    whose proxy authenticates users itself: its login rules apply."""
    backends = H.marker_backends(lab, 2)
    p = lab.proxy([backends[0]], start=False)
    auth = _auth_config(lab).replace("\n", "\n  ")
    p.write_conf(p.read("proftpd.conf") + f"""
<VirtualHost 127.0.0.1>
  Port {p.port}
  ServerName "it-auth"
  ServerAlias auth.example
  {auth}
  <IfModule mod_proxy.c>
    ProxyEngine on
    ProxyRole reverse
    ProxyLog {p.dir}/proxy.log
    ProxyOptions UseReverseProxyAuth
    ProxyReverseServers {_as_alice(backends[1].url)}
  </IfModule>
</VirtualHost>
""")
    p.start()
    got = H.replies_to(p, ["HOST auth.example", "USER dave", "PASS wrong", "USER dave",
                           f"PASS {USERS['dave'][0]}", "PWD"])
    assert got[1:5] == ["USER -> 331 Password required for dave", "PASS -> 530 Login incorrect.",
                        "USER -> 331 Password required for dave", "PASS -> 230 User dave logged in"], got
    assert got[5].startswith("PWD -> 257 "), got
    assert "login: user 'dave' authenticated by the proxy" in p.read("proxy.log")
    # the vhost's backend got the one login; the first server's backend none
    assert len(_backend_logins(backends[1])) == 1 and _backend_logins(backends[0]) == []


@pytest.mark.swift_only
@pytest.mark.parametrize("content,mode,says", [
    (b'["ftp://127.0.0.1:1", ', 0o644, "error parsing ProxyReverseServers file"),
    (b'{"url": "ftp://127.0.0.1:1"}', 0o644, "must hold a JSON array of URL strings"),
    (b'["gopher://127.0.0.1"]', 0o644, "entry 0 in ProxyReverseServers file"),
    (b'["ftp://127.0.0.1:1"]', 0o666, "unable to use world-writable ProxyReverseServers"),
], ids=["truncated", "object", "scheme", "world-writable"])
def test_a_bad_per_group_file_refuses_that_login_and_says_why(lab, content, mode, says):
    b = lab.backend()
    d = lab.mkdir("groups")
    path = os.path.join(d, "teamB.json")
    with open(path, "wb") as fh:
        fh.write(content)
    os.chmod(path, mode)
    p = _proxy(lab, [f"file:{d}/%g.json"], policy="PerGroup")
    got = H.replies_to(p, ["USER dave", f"PASS {USERS['dave'][0]}", "NOOP"])
    assert got == ["USER -> 331 Password required for dave", "PASS -> 530 Login incorrect.",
                   "NOOP -> 200 NOOP command successful"], got
    refusal = [ln for ln in p.read("proxy.log").splitlines() if "login refused" in ln]
    assert len(refusal) == 1 and "group 'teamB'" in refusal[0] and path in refusal[0] and says in refusal[0], refusal
    assert b.wait_no_sessions(2) and _backend_logins(b) == []
