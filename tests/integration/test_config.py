"""Configuration errors are caught by `proftpd -t` (or refuse sessions) and name the culprit."""
import ftplib
import json
import os
import socket
import time

import pytest

import harness as H


def _check(p):
    r = p.check_syntax()
    return r.returncode, r.stdout + r.stderr


BAD = {
    "policy-keyword": ("ProxyReverseConnectPolicy", dict(policy="Bogus")),
    "url-scheme": ("ProxyReverseServers", dict(servers=["ftpx://127.0.0.1:21"])),
    "timeout-garbage": ("ProxyTimeoutConnect", dict(extra="  ProxyTimeoutConnect soon")),
    # upstream's pr_str_get_duration() reads "5parsecs" as 5 s (it only looks at
    # the trailing "s"), so this one is a promise of our implementation only
    "timeout-unit": ("ProxyTimeoutConnect", dict(extra="  ProxyTimeoutConnect 5parsecs")),
    "retry-zero": ("ProxyRetryCount", dict(extra="  ProxyRetryCount 0")),
    "unknown-option": ("ProxyOptions", dict(extra="  ProxyOptions Foo")),
    "engine-in-directory": ("ProxyEngine", dict(outside="<Directory /tmp>\n  ProxyEngine on\n</Directory>")),
    "relative-tables": ("ProxyTables", dict(tables="relative/tables")),
}


SWIFT_ONLY_CASES = {"timeout-unit"}


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.swift_only)
                                  if c in SWIFT_ONLY_CASES else c for c in sorted(BAD)])
def test_bad_directive_fails_config_check(lab, case):
    directive, kw = BAD[case]
    kw = dict(kw)
    servers = kw.pop("servers", ["ftp://127.0.0.1:21"])
    p = lab.proxy(servers, start=False, **kw)
    rc, out = _check(p)
    assert rc != 0, f"proftpd -t accepted the config:\n{out}"
    assert directive in out, out
    print(case, "->", [ln for ln in out.splitlines() if directive in ln][:1])


def test_good_config_passes_check(lab):
    """Control for the cases above: the baseline config is accepted."""
    p = lab.proxy(["ftp://127.0.0.1:21"], start=False,
                  extra="  ProxyTimeoutConnect 5s\n  ProxyRetryCount 2\n  ProxyOptions ShowFeatures")
    rc, out = _check(p)
    assert rc == 0, out


# ------------------------------------------------------------- file:/ backend lists


def _json_servers(lab, backend, file_mode, dir_mode):
    d = os.path.join(lab.dir, "servers")
    os.makedirs(d)
    path = os.path.join(d, "backends.json")
    with open(path, "w") as fh:
        json.dump([backend.url], fh)
    os.chmod(path, file_mode)
    os.chmod(d, dir_mode)
    return path


def _session_outcome(p, what):
    """Starts `p` and tries one login: "daemon exited" when it would not run,
    "session refused" when the session ended or got a 4xx/5xx. Fails the test
    if a login succeeds or nothing happens within 15 s."""
    p.start(wait=False)
    end = time.monotonic() + 15
    while time.monotonic() < end:
        if not p.alive():
            return "daemon exited"
        try:
            s = socket.create_connection((p.host, p.port), timeout=10)
        except OSError:
            time.sleep(0.1)
            continue
        try:
            s.settimeout(10)
            fp = s.makefile("rb")
            code, text = H.raw_reply(fp)
            if code == "220":
                s.sendall(f"USER {H.USER}\r\n".encode())
                H.raw_reply(fp)
                s.sendall(f"PASS {H.PASSWORD}\r\n".encode())
                code, text = H.raw_reply(fp)
            assert code is None or code[:1] in "45", f"session {what} logged in: {text}"
        except (ConnectionResetError, EOFError):
            pass
        finally:
            s.close()
        return "session refused"
    pytest.fail("no outcome within 15s")


def _refused_or_rejected(lab, path):
    """Starts a proxy using file:<path>; passes if the config check fails naming
    ProxyReverseServers, or the daemon refuses to run / refuses sessions with a log
    naming the file.  Returns a short description of what happened."""
    p = lab.proxy([f"file:{path}"], start=False)
    rc, out = _check(p)
    if rc != 0:
        assert "ProxyReverseServers" in out, out
        return "config check"
    outcome = _session_outcome(p, f"with {path}")
    logs = p.logs(tail=20000)
    assert H.wait_until(lambda: path in p.logs(tail=20000) or os.path.dirname(path) in p.logs(tail=20000), 5), logs
    return outcome


def test_json_servers_file_with_safe_perms_works(lab):
    b = lab.backend()
    b.put_file("marker.txt", b"from-json-list")
    path = _json_servers(lab, b, 0o644, 0o755)
    p = lab.proxy([f"file:{path}"])
    f = H.connect(p)
    try:
        assert H.retr_bytes(f, "marker.txt") == b"from-json-list"
    finally:
        H.bye(f)


def test_world_writable_servers_file_is_refused(lab):
    b = lab.backend()
    path = _json_servers(lab, b, 0o666, 0o755)
    print("outcome:", _refused_or_rejected(lab, path))


def test_servers_file_in_world_writable_dir_is_refused(lab):
    b = lab.backend()
    path = _json_servers(lab, b, 0o644, 0o777)
    print("outcome:", _refused_or_rejected(lab, path))


# ------------------------------------------------------------- ProxyTables missing


def test_missing_proxy_tables_refuses_sessions(lab):
    b = lab.backend()
    p = lab.proxy(b, tables=False, start=False)
    rc, out = _check(p)
    if rc != 0:
        assert "ProxyTables" in out, out
        return
    _session_outcome(p, "without ProxyTables")
    assert H.wait_until(lambda: "ProxyTables" in p.logs(tail=20000), 5), p.logs()


# ------------------------------------------------------------- <VirtualHost>


def test_virtual_host_uses_server_config_proxy_tables(lab):
    """ProxyTables is a server-config directive: a <VirtualHost> that proxies
    uses the one from the server config (its datastore and chroot)."""
    b = lab.backend()
    b.put_file("vhost-marker.txt", b"through the vhost\n")
    vport = lab.ports.port()
    vhost = f"""<VirtualHost 127.0.0.1>
  Port {vport}
  ServerIdent on "vhost-ident"
  User nobody
  Group nogroup
  <IfModule mod_proxy.c>
    ProxyEngine on
    ProxyRole reverse
    ProxyReverseServers {b.url}
    ProxyTLSEngine off
  </IfModule>
</VirtualHost>"""
    p = lab.proxy(b, outside=vhost)
    f = ftplib.FTP()
    f.connect(p.host, vport, timeout=30)
    try:
        assert H.BACKEND_IDENT in f.getwelcome()
        f.login(H.USER, H.PASSWORD)
        buf = []
        f.retrbinary("RETR vhost-marker.txt", buf.append)
        assert b"".join(buf) == b"through the vhost\n"
        (child,) = p.wait_session_child(1)
        assert os.path.realpath(H.proc_root(child)) == os.path.realpath(os.path.join(p.tables, "empty"))
    finally:
        H.bye(f)
