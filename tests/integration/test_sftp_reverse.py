"""SSH reverse proxying through mod_sftp (issue 11): a proxy (proftpd with
mod_sftp and the module) in front of Debian's sshd and of a proftpd with
mod_sftp; clients OpenSSH sftp/ssh and paramiko. The backend decides the
password; after the login the connection layer is relayed verbatim."""
import base64
import hashlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time

import pytest

import harness as H
from test_ssh_transport import SSHServer

# This file's own account (test_ssh_transport.py, maybe running beside it
# under xdist, creates and removes its own).
SSH_USER = H.worker_account("proxy-sshfront")
SSH_PASSWORD = "front-pw-8Rd"

pytestmark = pytest.mark.swift_only

paramiko = pytest.importorskip("paramiko")


def _host_key(directory):
    path = os.path.join(directory, "ssh_host_ed25519_key")
    if not os.path.exists(path):
        H.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", path])
    return path


def _wait_ssh(port, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no SSH banner on port {port}")


def ssh_proxy(lab, servers, extra="", outside="", name="proxy", max_login_attempts=None, policy="RoundRobin"):
    """A proxy with mod_sftp in front (SFTPEngine on) and mod_proxy.c first in AuthOrder."""
    d = os.path.join(lab.dir, name + "-keys")
    os.makedirs(d, exist_ok=True)
    key = _host_key(d)
    sftp = f"""LoadModule mod_sftp.c
AuthOrder mod_proxy.c mod_auth_unix.c
<IfModule mod_sftp.c>
  SFTPEngine on
  SFTPHostKey {key}
  SFTPLog {lab.dir}/{name}-sftp.log
</IfModule>
{outside}"""
    p = lab.proxy(servers, start=False, name=name, outside=sftp, extra=extra, policy=policy)
    if max_login_attempts:   # the common config says 100, and the first one counts
        with open(p.conf) as f:
            text = f.read()
        with open(p.conf, "w") as f:
            f.write(text.replace("MaxLoginAttempts 100", f"MaxLoginAttempts {max_login_attempts}"))
    p.start(wait=False)
    _wait_ssh(p.port)
    return p


def sftp_backend(lab, name="sftpbackend", extra=""):
    """A proftpd with mod_sftp and its AuthUserFile user (alice)."""
    d = os.path.join(lab.dir, name + "-keys")
    os.makedirs(d, exist_ok=True)
    key = _host_key(d)
    b = lab.backend(start=False, name=name, modules=("mod_sftp.c",),
                    extra=f"SFTPEngine on\nSFTPHostKey {key}\nSFTPLog {lab.dir}/{name}-sftp.log\n{extra}")
    b.start(wait=False)
    _wait_ssh(b.port)
    b.sftp_url = f"sftp://127.0.0.1:{b.port}"
    return b


def _client(port, user, password):
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=port, username=user, password=password, allow_agent=False,
              look_for_keys=False, timeout=20, banner_timeout=20, auth_timeout=30)
    return c


def _exec(port, command):
    """Output of `command` run through the proxy by paramiko (password login)."""
    c = _client(port, SSH_USER, SSH_PASSWORD)
    try:
        _, out, _ = c.exec_command(command)
        return out.read()
    finally:
        c.close()


def _sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def openssh(lab, tool, port, user, password, args, timeout=300):
    """Runs OpenSSH's `tool` (sftp, scp, ssh) with the password from SSH_ASKPASS."""
    askpass = os.path.join(lab.dir, "askpass-" + user)
    with open(askpass, "w") as f:
        f.write(f"#!/bin/sh\necho '{password}'\n")
    os.chmod(askpass, 0o755)
    env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    port_flag = "-p" if tool == "ssh" else "-P"
    cmd = [tool, "-o", "BatchMode=no", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
           "-o", "PubkeyAuthentication=no", "-o", "LogLevel=ERROR", port_flag, str(port)] + args
    return subprocess.run(cmd, capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=timeout)


@pytest.fixture(scope="module")
def ssh_user():
    created = H.system_account(SSH_USER, "/tmp", SSH_PASSWORD)
    yield SSH_USER
    if created:
        H.remove_account(SSH_USER)


def _sshd(lab, *options):
    """Debian's sshd (test_ssh_transport's SSHServer) admitting this file's user."""
    return SSHServer(lab, options=(f"AllowUsers {SSH_USER}",) + options)


@pytest.fixture
def sshd_backend(lab, ssh_user):
    s = _sshd(lab, "Subsystem sftp internal-sftp")
    work = os.path.join(lab.dir, "sshd-work")
    os.makedirs(work)
    import pwd
    pw = pwd.getpwnam(ssh_user)
    os.chown(work, pw.pw_uid, pw.pw_gid)
    s.work = work
    s.url = f"sftp://127.0.0.1:{s.port}"
    yield s
    s.stop()


def test_paramiko_sftp_through_proxy_to_sshd(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url])
    data = os.urandom(3 * 1024 * 1024 + 17)
    local = os.path.join(lab.dir, "up.bin")
    with open(local, "wb") as f:
        f.write(data)
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    try:
        sftp = c.open_sftp()
        remote = os.path.join(sshd_backend.work, "up.bin")
        sftp.put(local, remote)
        assert _sha(remote) == hashlib.sha256(data).hexdigest()
        back = os.path.join(lab.dir, "back.bin")
        sftp.get(remote, back)
        assert _sha(back) == hashlib.sha256(data).hexdigest()
        sftp.mkdir(os.path.join(sshd_backend.work, "d"))
        sftp.rename(remote, os.path.join(sshd_backend.work, "d", "moved.bin"))
        assert sorted(sftp.listdir(sshd_backend.work)) == ["d"]
        assert sftp.listdir(os.path.join(sshd_backend.work, "d")) == ["moved.bin"]
        sftp.remove(os.path.join(sshd_backend.work, "d", "moved.bin"))
        sftp.rmdir(os.path.join(sshd_backend.work, "d"))
        assert os.listdir(sshd_backend.work) == []
        sftp.close()
    finally:
        c.close()
    # sshd saw the login of the user, from the proxy
    assert H.wait_until(lambda: f"Accepted password for {SSH_USER}" in sshd_backend.read_log(), 5), sshd_backend.read_log()


def test_exec_exit_status_through_proxy(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url])
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    try:
        _, out, _ = c.exec_command("echo hello-from-backend; exit 7")
        assert out.read() == b"hello-from-backend\n"
        assert out.channel.recv_exit_status() == 7
        # two channels at once
        _, o1, _ = c.exec_command("sleep 0.3; echo one")
        _, o2, _ = c.exec_command("echo two")
        assert o2.read() == b"two\n" and o1.read() == b"one\n"
    finally:
        c.close()


def test_wrong_password_refused_and_counted(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url], max_login_attempts=2)
    t = paramiko.Transport(("127.0.0.1", p.port))
    refused = 0
    try:
        t.start_client(timeout=20)
        # mod_sftp counts the refusals and ends the connection at the limit
        with pytest.raises((paramiko.SSHException, EOFError)) as ended:
            for attempt in range(5):
                try:
                    t.auth_password(SSH_USER, f"wrong-password-{attempt}")
                except paramiko.AuthenticationException:
                    refused += 1
        assert not isinstance(ended.value, paramiko.AuthenticationException)
    finally:
        t.close()
    # (whether the client sees the last refusal or the disconnect first is timing)
    assert refused >= 2, refused
    log = p.read("proxy.log")
    assert log.count("refused the password") == 2, log
    assert "logged in" not in log
    assert H.wait_until(lambda: "Maximum login attempts (2) exceeded" in open(f"{lab.dir}/proxy-sftp.log").read(), 5), \
        open(f"{lab.dir}/proxy-sftp.log").read()
    assert H.wait_until(lambda: sshd_backend.read_log().count("Failed password") == 2, 5), sshd_backend.read_log()


def test_backend_down_client_gets_disconnect_with_reason(lab):
    dead = lab.ports.port()   # nothing listens there
    p = ssh_proxy(lab, [f"sftp://127.0.0.1:{dead}"])
    r = openssh(lab, "ssh", p.port, SSH_USER, SSH_PASSWORD, [f"{SSH_USER}@127.0.0.1", "true"], timeout=60)
    assert r.returncode != 0
    err = r.stderr.decode()
    assert "no backend server reachable" in err, err
    assert "backend connect failed: sftp://127.0.0.1:" in p.read("proxy.log")


def test_openssh_ssh_command_exit_status_and_scp(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url])
    r = openssh(lab, "ssh", p.port, SSH_USER, SSH_PASSWORD,
                [f"{SSH_USER}@127.0.0.1", "echo out; echo err >&2; exit 42"], timeout=60)
    assert r.returncode == 42, r.stderr.decode()
    assert r.stdout == b"out\n" and b"err" in r.stderr
    data = os.urandom(5 * 1024 * 1024 + 1)
    local = os.path.join(lab.dir, "scp.bin")
    with open(local, "wb") as f:
        f.write(data)
    remote = os.path.join(sshd_backend.work, "scp.bin")
    r = openssh(lab, "scp", p.port, SSH_USER, SSH_PASSWORD, [local, f"{SSH_USER}@127.0.0.1:{remote}"])
    assert r.returncode == 0, r.stderr.decode()
    assert _sha(remote) == hashlib.sha256(data).hexdigest()
    r = openssh(lab, "scp", p.port, SSH_USER, SSH_PASSWORD, [f"{SSH_USER}@127.0.0.1:{remote}", local + ".back"])
    assert r.returncode == 0, r.stderr.decode()
    assert _sha(local + ".back") == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("rekeys", ["backend-sshd", "proxy-sftprekey", "client", "all"])
def test_100mib_put_and_get_with_rekeys(lab, ssh_user, rekeys):
    """Forced key exchanges on either side during a 100 MiB transfer each way."""
    backend_opts = ["Subsystem sftp internal-sftp"]
    if rekeys in ("backend-sshd", "all"):
        backend_opts.append("RekeyLimit 8M")
    s = _sshd(lab, *backend_opts)
    import pwd
    pw = pwd.getpwnam(ssh_user)
    work = os.path.join(lab.dir, "work")
    os.makedirs(work)
    os.chown(work, pw.pw_uid, pw.pw_gid)
    try:
        outside = "SFTPRekey required 60 8\n" if rekeys in ("proxy-sftprekey", "all") else ""
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{s.port}"], outside=f"<IfModule mod_sftp.c>\n  {outside}</IfModule>")
        local = os.path.join(lab.dir, "big.bin")
        with open(local, "wb") as f:
            for _ in range(100):
                f.write(os.urandom(1 << 20))
        want = _sha(local)
        client_opts = ["-o", "RekeyLimit=8M"] if rekeys in ("client", "all") else []
        batch = os.path.join(lab.dir, "batch")
        with open(batch, "w") as f:
            f.write(f"put {local} {work}/big.bin\nget {work}/big.bin {local}.back\n")
        r = openssh(lab, "sftp", p.port, SSH_USER, SSH_PASSWORD, client_opts + ["-b", batch, f"{SSH_USER}@127.0.0.1"])
        assert r.returncode == 0, r.stderr.decode() + p.read("proxy.log")
        assert _sha(os.path.join(work, "big.bin")) == want
        assert _sha(local + ".back") == want
        log = p.read("proxy.log")
        if rekeys in ("backend-sshd", "all"):
            assert log.count("rekeyed") >= 10, log
        # the relay keeps no packets: the session's memory does not grow with the bytes relayed
        assert H.wait_until(lambda: "peak RSS" in p.read("proxy.log"), 5)
        peak_kib = int(p.read("proxy.log").split("peak RSS ")[1].split()[0])
        assert peak_kib < 64 * 1024, peak_kib
        frontend_kex = open(f"{lab.dir}/proxy-sftp.log").read().count("+ Session key exchange:")
        if rekeys != "backend-sshd":
            assert frontend_kex >= 10, frontend_kex
    finally:
        s.stop()


def test_openssh_sftp_batch_to_proftpd_sftp_backend(lab):
    b = sftp_backend(lab)
    p = ssh_proxy(lab, [b.sftp_url])
    data = os.urandom(1024 * 1024 + 3)
    local = os.path.join(lab.dir, "local.bin")
    with open(local, "wb") as f:
        f.write(data)
    batch = os.path.join(lab.dir, "batch")
    with open(batch, "w") as f:
        f.write(f"put {local} up.bin\nls -l\nget up.bin {local}.back\nmkdir sub\nrename up.bin sub/up.bin\nrm sub/up.bin\nrmdir sub\n")
    r = openssh(lab, "sftp", p.port, H.USER, H.PASSWORD, ["-b", batch, f"{H.USER}@127.0.0.1"], timeout=60)
    assert r.returncode == 0, r.stderr.decode() + p.read("proxy.log")
    assert "up.bin" in r.stdout.decode()
    assert _sha(local + ".back") == hashlib.sha256(data).hexdigest()
    assert os.listdir(b.home) == []


def test_proftpd_backend_rekeying_during_100mib_get(lab):
    """The backend starts key exchanges (SFTPRekey) while it sends: the C
    module's session dies there (docs/ssh-reverse-design.md 1.6)."""
    b = sftp_backend(lab, extra="SFTPRekey required 60 8")
    p = ssh_proxy(lab, [b.sftp_url])
    src = b.put_file("big.bin", b"")
    with open(src, "wb") as f:
        for _ in range(100):
            f.write(os.urandom(1 << 20))
    local = os.path.join(lab.dir, "big.back")
    r = openssh(lab, "sftp", p.port, H.USER, H.PASSWORD, [f"{H.USER}@127.0.0.1:big.bin", local])
    assert r.returncode == 0, r.stderr.decode() + p.read("proxy.log")
    assert _sha(local) == _sha(src)
    assert p.read("proxy.log").count("rekeyed") >= 10, p.read("proxy.log")


def test_failover_to_the_next_backend(lab, sshd_backend):
    dead = lab.ports.port()
    p = ssh_proxy(lab, [f"sftp://127.0.0.1:{dead}", sshd_backend.url], extra="  ProxyRetryCount 2")
    assert _exec(p.port, "echo via-second") == b"via-second\n"
    log = p.read("proxy.log")
    assert f"backend connect failed: sftp://127.0.0.1:{dead}" in log, log
    assert f"backend selected: {sshd_backend.url}" in log, log


class _WrongSigningKey(paramiko.Ed25519Key):
    """Signs something other than what it is asked to: a bad signature."""

    def sign_ssh_data(self, data, algorithm=None):
        return super().sign_ssh_data(data + b"tampered")


@pytest.mark.parametrize("case", ["unauthorized-key", "another-users-key", "bad-signature", "no-proxy-host-key"])
def test_publickey_never_logs_a_stranger_in(lab, sshd_backend, case):
    """mod_sftp checks every key login at the proxy (authorized for that user,
    signature) before the proxy vouches for it to a backend: a key authorized
    nowhere, one of another user, a bad signature are refused, and without a
    ProxySFTPHostKey even an authorized key goes no further. The backend
    never sees a connection."""
    client_dir = lab.mkdir("clientkey")
    key_path = _host_key(client_dir)
    key = (_WrongSigningKey if case == "bad-signature" else paramiko.Ed25519Key).from_private_key_file(key_path)
    other_pub = os.path.join(_host_key(lab.mkdir("otherkey")) + ".pub")
    authorized = lab.mkdir("authorized")
    owner, pub = {"unauthorized-key": (SSH_USER, other_pub),
                  "another-users-key": ("someone-else", key_path + ".pub")}.get(case, (SSH_USER, key_path + ".pub"))
    with open(os.path.join(authorized, owner), "w") as f:
        f.write(H.run(["ssh-keygen", "-e", "-f", pub]).stdout.decode())
    proxy_key = os.path.join(lab.mkdir("proxykey"), "k")
    H.run(["ssh-keygen", "-q", "-N", "", "-m", "PEM", "-t", "ecdsa", "-f", proxy_key])
    p = ssh_proxy(lab, [sshd_backend.url],
                  extra="" if case == "no-proxy-host-key" else f"  ProxySFTPHostKey {proxy_key}",
                  outside=f"<IfModule mod_sftp.c>\n  SFTPAuthorizedUserKeys file:{authorized}/%u\n</IfModule>")
    t = paramiko.Transport(("127.0.0.1", p.port))
    try:
        t.start_client(timeout=20)
        with pytest.raises((paramiko.AuthenticationException, paramiko.SSHException, EOFError)):
            t.auth_publickey(SSH_USER, key)
        assert not t.is_authenticated()
    finally:
        t.close()
    time.sleep(0.3)
    log = p.read("proxy.log")
    assert "logged in" not in log and "backend selected" not in log, log
    assert "Connection from 127.0.0.1" not in sshd_backend.read_log(), sshd_backend.read_log()
    sftp_log = open(f"{lab.dir}/proxy-sftp.log").read()
    if case == "no-proxy-host-key":
        assert "needs a usable ProxySFTPHostKey" in log, log
    else:
        assert "publickey" in sftp_log and "authenticated via" not in sftp_log, sftp_log


@pytest.mark.parametrize("verify", ["on", "off"])
def test_verify_server_changed_host_key(lab, sshd_backend, verify):
    p = ssh_proxy(lab, [sshd_backend.url], extra=f"  ProxySFTPVerifyServer {verify}")
    _client(p.port, SSH_USER, SSH_PASSWORD).close()
    assert "seen for the first time, recorded" in p.read("proxy.log")
    db = os.path.join(p.tables, "proxy-ssh.db")
    other = os.path.join(lab.mkdir("otherkey"), "k")
    H.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", other])
    other_b64 = open(other + ".pub").read().split()[1]
    r = H.run(["sqlite3", db, f"UPDATE proxy_ssh_hostkeys SET hostkey = '{other_b64}'"])
    assert r.returncode == 0, r.stderr
    if verify == "on":
        r = openssh(lab, "ssh", p.port, SSH_USER, SSH_PASSWORD, [f"{SSH_USER}@127.0.0.1", "true"], timeout=60)
        assert r.returncode != 0
        assert "changed" in r.stderr.decode(), r.stderr.decode()
        assert "refused (ProxySFTPVerifyServer on)" in p.read("proxy.log")
    else:
        _client(p.port, SSH_USER, SSH_PASSWORD).close()
        assert "recording the new key (ProxySFTPVerifyServer off)" in p.read("proxy.log")


def test_verify_server_refuses_a_key_it_cannot_check(lab):
    """proxy-ssh.db cannot be opened: with VerifyServer on, no key is taken unchecked."""
    b = sftp_backend(lab)
    p = ssh_proxy(lab, [b.sftp_url], extra="  ProxySFTPVerifyServer on")
    db = os.path.join(p.tables, "proxy-ssh.db")
    for leftover in (db, db + "-wal", db + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    os.mkdir(db)
    r = openssh(lab, "ssh", p.port, H.USER, H.PASSWORD, [f"{H.USER}@127.0.0.1", "true"], timeout=60)
    assert r.returncode != 0 and "cannot be checked" in r.stderr.decode(), r.stderr.decode()
    log = p.read("proxy.log")
    assert "opening the SSH host key store failed" in log and "refused (ProxySFTPVerifyServer on)" in log, log


def test_algorithm_directives_restrict_the_backend_offer(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url], extra="  ProxySFTPCiphers aes192-ctr aes256-ctr\n"
                  "  ProxySFTPDigests hmac-sha2-512\n  ProxySFTPKeyExchanges ecdh-sha2-nistp384\n")
    assert _exec(p.port, "echo ok") == b"ok\n"
    log = p.read("proxy.log")
    assert "kex ecdh-sha2-nistp384, host key ssh-ed25519, cipher aes192-ctr, mac hmac-sha2-512" in log, log


def test_keyboard_interactive_relayed_to_sshd_pam(lab, ssh_user):
    """sshd asks through PAM (its prompt reaches the client through mod_sftp);
    the right answer logs in, a wrong one is refused by the backend."""
    s = _sshd(lab, "UsePAM yes", "KbdInteractiveAuthentication yes", "PasswordAuthentication no")
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{s.port}"])
        prompts_seen = []

        def handler(answer):
            def reply(title, instructions, prompts):
                prompts_seen.extend(text for text, _ in prompts)
                return [answer for _ in prompts]
            return reply

        t = paramiko.Transport(("127.0.0.1", p.port))
        try:
            t.start_client(timeout=20)
            t.auth_interactive(SSH_USER, handler(SSH_PASSWORD))
            assert t.is_authenticated()
            ch = t.open_session()
            ch.exec_command("echo kbdint-ok")
            assert ch.makefile().read() == b"kbdint-ok\n"
        finally:
            t.close()
        assert prompts_seen and "assword" in prompts_seen[0], prompts_seen
        t = paramiko.Transport(("127.0.0.1", p.port))
        try:
            t.start_client(timeout=20)
            with pytest.raises(paramiko.AuthenticationException):
                t.auth_interactive(SSH_USER, handler("wrong"))
        finally:
            t.close()
        log = p.read("proxy.log")
        assert "accepted the keyboard-interactive login" in log and "refused the keyboard-interactive login" in log, log
    finally:
        s.stop()


def test_backend_dying_mid_session_ends_the_client_session(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url])
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    try:
        c.exec_command("kill -KILL $PPID")   # sshd's process for this connection
        t = c.get_transport()
        assert H.wait_until(lambda: not t.is_active(), 10), "the client's session stayed up"
    finally:
        c.close()
    assert H.wait_until(lambda: "session ended: backend" in p.read("proxy.log"), 5), p.read("proxy.log")
    # the session process is gone
    assert H.wait_until(lambda: not p.session_children(), 10), p.session_children()


def test_per_user_policy_keeps_the_user_on_one_backend(lab):
    b1 = sftp_backend(lab, name="sftp1")
    b2 = sftp_backend(lab, name="sftp2")
    p = ssh_proxy(lab, [b1.sftp_url, b2.sftp_url], policy="PerUser")
    for _ in range(3):
        c = _client(p.port, H.USER, H.PASSWORD)
        c.open_sftp().listdir(".")
        c.close()
    log = p.read("proxy.log")
    chosen = [ln.split("backend selected: ")[1].split()[0] for ln in log.splitlines() if "backend selected: " in ln]
    assert len(chosen) == 3 and len(set(chosen)) == 1, log
    assert "PerUser" in log


def test_backend_keepalives_are_answered_to_the_backend(lab, sshd_backend):
    """sshd's keepalives (ClientAliveInterval, want-reply) reach the client and
    its replies go back to sshd (else sshd drops the idle session after ~3 s)."""
    sshd_backend.stop()
    s = _sshd(lab, "ClientAliveInterval 1", "ClientAliveCountMax 2")
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{s.port}"])
        assert _exec(p.port, "sleep 6; echo still-here") == b"still-here\n"
        assert "Timeout, client not responding" not in s.read_log()
    finally:
        s.stop()


def test_source_address_toward_the_backend(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url], extra="  ProxySourceAddress 127.0.0.2")
    assert _exec(p.port, "echo $SSH_CLIENT").startswith(b"127.0.0.2 ")
    assert "Connection from 127.0.0.2" in sshd_backend.read_log()


def test_server_alive_ends_a_session_whose_backend_stopped_answering(lab, sshd_backend):
    import signal
    p = ssh_proxy(lab, [sshd_backend.url], extra="  ProxySFTPServerAlive 2 1")
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    frozen = None
    try:
        _, out, _ = c.exec_command("echo $PPID; sleep 1; kill -STOP $PPID; sleep 30")
        frozen = int(out.readline())     # sshd's process for this connection, stopped next
        t = c.get_transport()
        started = time.monotonic()
        assert H.wait_until(lambda: not t.is_active(), 15), "the session outlived its frozen backend"
        assert time.monotonic() - started < 10
    finally:
        c.close()
        if frozen:
            os.kill(frozen, signal.SIGCONT)
            os.kill(frozen, signal.SIGKILL)
    log = p.read("proxy.log")
    assert "server alive threshold reached (2 keepalives unanswered" in log, log


def test_server_alive_keeps_a_quiet_session_with_a_live_backend(lab, sshd_backend):
    p = ssh_proxy(lab, [sshd_backend.url], extra="  ProxySFTPServerAlive 2 1")
    assert _exec(p.port, "sleep 5; echo alive") == b"alive\n"
    assert "threshold" not in p.read("proxy.log")


HOSTILE_SSH = {
    # (what the backend sends, the words the client's DISCONNECT reason must hold)
    "http-instead-of-ssh": ([(None, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", True)], "sftp://127.0.0.1:"),
    "oversized-packet": ([(None, b"SSH-2.0-Hostile\r\n\xff\xff\xff\xf0" + b"\0" * 64, False)], "out of range"),
    "stalled-kex": ([(None, b"SSH-2.0-Hostile\r\n", False)], "timed out"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SSH))
def test_hostile_backend_gives_client_a_disconnect_with_reason(lab, case):
    from test_hostile_peers import ScriptedBackend
    script, words = HOSTILE_SSH[case]
    b = ScriptedBackend(lab, script)
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{b.port}"], extra="  ProxyTimeoutConnect 2")
        started = time.monotonic()
        r = openssh(lab, "ssh", p.port, SSH_USER, SSH_PASSWORD, [f"{SSH_USER}@127.0.0.1", "true"], timeout=60)
        assert time.monotonic() - started < 30
        err = r.stderr.decode()
        assert r.returncode != 0
        assert "Received disconnect" in err and words in err, err
        assert H.wait_until(lambda: not p.session_children(), 10), p.session_children()
        print(case, "->", [ln for ln in err.splitlines() if "disconnect" in ln.lower()][:1])
    finally:
        b.close()


@pytest.mark.parametrize("version", ["UseProxyProtocolV1", "UseProxyProtocolV2"])
def test_proxy_protocol_header_toward_an_ssh_backend(lab, version):
    """The backend (proftpd with mod_proxy_protocol and mod_sftp) sees the
    client's own address, carried by the PROXY header before SSH starts."""
    d = lab.mkdir("pp-keys")
    key = _host_key(d)
    b = lab.backend(start=False, name="ppbackend", extra=(
        f"ModulePath {lab.module_dir}\nLoadModule mod_sftp.c\nLoadModule mod_proxy_protocol.c\n"
        f"ProxyProtocolEngine on\nProxyProtocolVersion {'haproxyV2' if version.endswith('V2') else 'haproxyV1'}\n"
        f"SFTPEngine on\nSFTPHostKey {key}\nSFTPLog {lab.dir}/ppbackend-sftp.log\n"))
    b.start(wait=False)
    # (it sends nothing before a PROXY header: wait until it accepts)
    assert H.wait_until(lambda: socket.socket().connect_ex(("127.0.0.1", b.port)) == 0, 20)
    p = ssh_proxy(lab, [f"sftp://127.0.0.1:{b.port}"], extra=f"  ProxyOptions {version}")
    sock = socket.socket()
    sock.bind(("127.0.0.3", 0))
    sock.connect(("127.0.0.1", p.port))
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=20)
        t.auth_password(H.USER, H.PASSWORD)
        assert isinstance(paramiko.SFTPClient.from_transport(t).listdir("."), list)
    finally:
        t.close()
    log = open(f"{lab.dir}/ppbackend-sftp.log").read()
    assert "client (127.0.0.3:" in log, log
    assert "authenticated via 'password'" in log, log


@pytest.mark.parametrize("options", ["", "NoStrictKex", "NoExtensionNegotiation", "NoStrictKex NoExtensionNegotiation"],
                         ids=["default", "no-strict-kex", "no-ext-info", "both"])
def test_sftp_options_toward_the_backend(lab, sshd_backend, options):
    p = ssh_proxy(lab, [sshd_backend.url], extra=f"  ProxySFTPOptions {options}" if options else "")
    assert _exec(p.port, "echo ok") == b"ok\n"
    log = p.read("proxy.log")
    assert (", strict KEX" in log) == ("NoStrictKex" not in options), log
    assert ("ext-info server-sig-algs" in log) == ("NoExtensionNegotiation" not in options), log


HB_USER = H.worker_account("proxy-sshfront-hb")   # test_ssh_hostbased.py has proxy-sshhb


@pytest.fixture
def hostbased_user(lab):
    """A local account whose home (in the lab) trusts the proxy's host:
    ~/.shosts names it, ~/.ssh/known_hosts holds its key (added by the test)."""
    home = lab.mkdir("hbhome")
    created = H.system_account(HB_USER, home)
    yield home
    if created:
        H.remove_account(HB_USER)


def _sshd_trusting_the_proxy(lab, home, proxy_pub):
    """sshd accepting hostbased logins of HB_USER from this host with `proxy_pub`:
    ~/.shosts names the host, ~/.ssh/known_hosts holds its key."""
    host = socket.gethostname()
    os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
    with open(os.path.join(home, ".shosts"), "w") as f:
        f.write(f"{host} {HB_USER}\n")
    with open(os.path.join(home, ".ssh", "known_hosts"), "w") as f:
        f.write(f"{host} {' '.join(proxy_pub.split()[:2])}\n")
    return SSHServer(lab, options=("HostbasedAuthentication yes", "IgnoreRhosts no", "HostbasedUsesNameFromPacketOnly yes",
                                   f"AllowUsers {HB_USER}", "PasswordAuthentication no"))


def _authorized_client_key(lab):
    """A client key that mod_sftp at the proxy authorizes for HB_USER: its
    path, and the proxy's SFTPAuthorizedUserKeys lines."""
    client_key_path = _host_key(lab.mkdir("clientkey"))
    authorized = lab.mkdir("authorized")
    with open(os.path.join(authorized, HB_USER), "w") as f:
        f.write(H.run(["ssh-keygen", "-e", "-f", client_key_path + ".pub"]).stdout.decode())
    return client_key_path, f"<IfModule mod_sftp.c>\n  SFTPAuthorizedUserKeys file:{authorized}/%u\n</IfModule>"


@pytest.mark.parametrize("kind", ["ecdsa", "ed25519", "rsa", "openssh-ed25519", "agent"])
def test_publickey_client_logs_in_to_the_backend_by_hostbased(lab, hostbased_user, kind):
    """mod_sftp verifies the client's key at the proxy; the proxy then logs in
    to sshd with hostbased authentication and its ProxySFTPHostKey (a PEM
    file, or an OpenSSH-format key held by ssh-agent)."""
    keys = lab.mkdir("proxykeys")
    proxy_key = os.path.join(keys, "proxy_host_key")
    agent = None
    if kind == "agent":
        H.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", proxy_key])
        pub = open(proxy_key + ".pub").read().strip()
        sock = os.path.join(tempfile.mkdtemp(prefix="pxag-"), "s")   # sun_path holds 108 bytes: the lab's paths are longer
        agent = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdout=subprocess.DEVNULL, start_new_session=True)
        assert H.wait_until(lambda: os.path.exists(sock), 10)
        r = H.run(["ssh-add", proxy_key], env=dict(os.environ, SSH_AUTH_SOCK=sock))
        assert r.returncode == 0, r.stderr
        host_key_directive = f"  ProxySFTPHostKey agent:{sock}"
    elif kind == "openssh-ed25519":   # ssh-keygen's own format, as /etc/ssh host keys are
        H.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", proxy_key])
        pub = open(proxy_key + ".pub").read().strip()
    elif kind == "ed25519":   # ssh-keygen writes Ed25519 only in its own format: PKCS#8 from openssl
        H.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", proxy_key])
        raw = H.run(["openssl", "pkey", "-in", proxy_key, "-pubout", "-outform", "DER"]).stdout[-32:]
        blob = b"".join(len(x).to_bytes(4, "big") + x for x in (b"ssh-ed25519", raw))
        pub = "ssh-ed25519 " + base64.b64encode(blob).decode()
    else:
        H.run(["ssh-keygen", "-q", "-N", "", "-m", "PEM", "-t", kind, "-f", proxy_key])
        pub = open(proxy_key + ".pub").read().strip()
    os.chmod(proxy_key, 0o600)
    if kind != "agent":
        host_key_directive = f"  ProxySFTPHostKey {proxy_key}"
    s = _sshd_trusting_the_proxy(lab, hostbased_user, pub)
    try:
        client_key_path, authorized_keys = _authorized_client_key(lab)
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{s.port}"], extra=host_key_directive, outside=authorized_keys)
        c = paramiko.SSHClient()
        c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        c.connect("127.0.0.1", port=p.port, username=HB_USER, key_filename=client_key_path, allow_agent=False,
                  look_for_keys=False, timeout=20)
        try:
            _, out, _ = c.exec_command("echo hostbased-ok")
            assert out.read() == b"hostbased-ok\n"
        finally:
            c.close()
        assert f"Accepted hostbased for {HB_USER}" in s.read_log(), s.read_log() + p.read("proxy.log")
        assert "accepted the hostbased" in p.read("proxy.log")
    finally:
        s.stop()
        if agent:
            agent.terminate()
            agent.wait(10)
            shutil.rmtree(os.path.dirname(sock), ignore_errors=True)


@pytest.mark.parametrize("policy", ["RoundRobin", "PerGroup"])
def test_use_reverse_proxy_auth_the_proxy_decides_then_hostbased(lab, hostbased_user, policy):
    """UseReverseProxyAuth: mod_sftp checks the password with the proxy's own
    auth modules (AuthUserFile); only then does the proxy log in to the
    backend, by hostbased. A wrong password never reaches a backend. PerGroup
    keeps the user's primary group on one backend; RoundRobin alternates."""
    proxy_key = os.path.join(lab.mkdir("proxykeys"), "proxy_host_key")
    H.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", proxy_key])
    backends = [_sshd_trusting_the_proxy(lab, hostbased_user, open(proxy_key + ".pub").read()) for _ in range(2)]
    try:
        local = lab.mkdir("localauth")
        pw, gr = H.make_passwd(local, hostbased_user, user=HB_USER, password="local-pw-3Zq")
        p = lab.proxy([f"sftp://127.0.0.1:{b.port}" for b in backends], start=False, name="proxy", policy=policy,
                      extra=f"  ProxyOptions UseReverseProxyAuth\n  ProxySFTPHostKey {proxy_key}",
                      outside=f"""LoadModule mod_sftp.c
AuthOrder mod_auth_file.c
AuthUserFile {pw}
AuthGroupFile {gr}
RequireValidShell off
<IfModule mod_sftp.c>
  SFTPEngine on
  SFTPHostKey {_host_key(lab.mkdir("frontkeys"))}
  SFTPLog {lab.dir}/proxy-sftp.log
</IfModule>""")
        p.start(wait=False)
        _wait_ssh(p.port)
        with pytest.raises(paramiko.AuthenticationException):
            _client(p.port, HB_USER, "wrong-local-pw")
        assert all("Connection from" not in b.read_log() for b in backends)
        for _ in range(3):
            c = _client(p.port, HB_USER, "local-pw-3Zq")
            try:
                _, out, _ = c.exec_command("echo rpa-ok")
                assert out.read() == b"rpa-ok\n"
            finally:
                c.close()
        accepted = [b.read_log().count(f"Accepted hostbased for {HB_USER}") for b in backends]
        assert sum(accepted) == 3, accepted
        assert sorted(accepted) == ([0, 3] if policy == "PerGroup" else [1, 2]), accepted
    finally:
        for b in backends:
            b.stop()


# ---------------------------------------------------------------- interop options (ProxySFTPOptions, ServerMatch)

class LoopbackService:
    """A listening socket on 127.0.0.1; each connection goes to `serve` (in
    the accepting thread); `close` ends the listener and what `serve` kept."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.closeables = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.closeables.append(conn)
            self.serve(conn)

    def close(self):
        self.listener.close()
        for c in self.closeables:
            c.close()


class KexWatcher(LoopbackService):
    """A TCP relay between the proxy and a backend that reads the first key
    exchange (plaintext up to each side's NEWKEYS) and holds the backend's
    first packet of type `hold_type` for `hold` seconds, noting when each of
    the proxy's packets arrived: an optimistic proxy sends its KEXINIT (20)
    or NEWKEYS (21) during the hold, a pessimistic one only after it."""

    def __init__(self, backend_port, hold_type, hold=1.5):
        self.backend_port, self.hold_type, self.hold = backend_port, hold_type, hold
        self.proxy_packets = []      # (message type, monotonic time) of the first session
        self.hold_window = None      # (start, end) of the first hold
        self.sessions = 0
        super().__init__()

    def serve(self, conn):
        up = socket.create_connection(("127.0.0.1", self.backend_port))
        self.closeables.append(up)
        self.sessions += 1
        for src, dst, side in ((conn, up, "proxy"), (up, conn, "backend")):
            threading.Thread(target=self._pump, args=(src, dst, side, self.sessions == 1), daemon=True).start()

    def _pump(self, src, dst, side, first):
        buf, version_seen, plaintext = b"", False, True
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                if not plaintext:
                    dst.sendall(data)
                    continue
                buf += data
                out = b""
                while plaintext:
                    if not version_seen:
                        end = buf.find(b"\n")
                        if end < 0:
                            break
                        out, buf, version_seen = out + buf[:end + 1], buf[end + 1:], True
                        continue
                    if len(buf) < 6 or len(buf) < 4 + int.from_bytes(buf[:4], "big"):
                        break
                    n = 4 + int.from_bytes(buf[:4], "big")
                    packet, buf = buf[:n], buf[n:]
                    kind = packet[5]
                    if side == "proxy" and first:
                        self.proxy_packets.append((kind, time.monotonic()))
                    if side == "backend" and first and kind == self.hold_type and self.hold_window is None:
                        dst.sendall(out)
                        out = b""
                        start = time.monotonic()
                        time.sleep(self.hold)
                        self.hold_window = (start, time.monotonic())
                    out += packet
                    if kind == 21:   # NEWKEYS: encrypted from here on
                        plaintext = False
                        out, buf = out + buf, b""
                dst.sendall(out)
        except OSError:
            pass

    def proxy_sent_during_hold(self, kind):
        """Whether the proxy's first packet of `kind` arrived before the hold ended."""
        assert self.hold_window, "the backend's packet was never held"
        times = [t for k, t in self.proxy_packets if k == kind]
        assert times, self.proxy_packets
        return times[0] < self.hold_window[1]


@pytest.mark.parametrize("options", ["", "PessimisticKexinit"])
def test_pessimistic_kexinit_waits_for_the_backends(lab, sshd_backend, options):
    w = KexWatcher(sshd_backend.port, hold_type=20)
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{w.port}"], extra=f"  ProxySFTPOptions {options}" if options else "")
        assert _exec(p.port, "echo kexinit-ok") == b"kexinit-ok\n", p.read("proxy.log")
        assert w.proxy_sent_during_hold(20) == (options == ""), (w.proxy_packets, w.hold_window)
    finally:
        w.close()


SERVER_MATCH = {
    # (backend kind, ProxySFTPServerMatch lines, pessimistic NEWKEYS expected)
    "sshd-matches": ("sshd", ["^OpenSSH_9 pessimisticNewkeys on"], True),
    "sshd-other-pattern": ("sshd", ["^backend-ident pessimisticNewkeys on"], False),
    "sshd-comment-not-matched": ("sshd", ["Debian pessimisticNewkeys on"], False),
    "sshd-later-rule-off": ("sshd", ["^OpenSSH pessimisticNewkeys on", "_9\\.2 pessimisticNewkeys off"], False),
    "mod_sftp-matches": ("mod_sftp", ["^OpenSSH_9 pessimisticNewkeys off", "^backend-ident-[A-Z]+$ pessimisticNewkeys on"], True),
    "mod_sftp-other-pattern": ("mod_sftp", ["^OpenSSH pessimisticNewkeys on"], False),
}


@pytest.mark.parametrize("case", sorted(SERVER_MATCH))
def test_server_match_by_the_backends_version(lab, ssh_user, case):
    """The backend's software version (sshd: OpenSSH_9.2p1; the mod_sftp
    backend: its ServerIdent, backend-ident-XYZ) picks the rules; a
    pessimisticNewkeys backend gets our NEWKEYS only after its own."""
    kind, rules, pessimistic = SERVER_MATCH[case]
    if kind == "sshd":
        backend = _sshd(lab, "Subsystem sftp internal-sftp")
        port, user, password = backend.port, SSH_USER, SSH_PASSWORD
    else:
        backend = sftp_backend(lab)
        port, user, password = backend.port, H.USER, H.PASSWORD
    w = KexWatcher(port, hold_type=21)
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{w.port}"],
                      extra="\n".join(f"  ProxySFTPServerMatch {r}" for r in rules))
        c = _client(p.port, user, password)
        try:
            assert isinstance(c.open_sftp().listdir("."), list)
        finally:
            c.close()
        assert w.proxy_sent_during_hold(21) == (not pessimistic), (w.proxy_packets, w.hold_window)
        log = p.read("proxy.log")
        matched = [ln for ln in log.splitlines() if "matched ProxySFTPServerMatch" in ln]
        if case.endswith("other-pattern") or case.endswith("not-matched"):
            assert not matched, log
        else:
            assert matched and f"pessimisticNewkeys {'on' if pessimistic else 'off'}" in matched[0], log
    finally:
        w.close()
        if kind == "sshd":
            backend.stop()


class OldProtocolServer(LoopbackService):
    """paramiko as an SSH server that identifies as "SSH-1.99-" (as ssh.com/
    Tectia servers do): password logins of anyone, `exec` answers the command."""

    def __init__(self, lab):
        key_path = os.path.join(lab.mkdir("oldproto"), "host_rsa")
        H.run(["ssh-keygen", "-q", "-N", "", "-m", "PEM", "-t", "rsa", "-b", "2048", "-f", key_path])
        self.host_key = paramiko.RSAKey(filename=key_path)
        super().__init__()

    def serve(self, conn):
        class Server(paramiko.ServerInterface):
            def get_allowed_auths(self, username):
                return "password"

            def check_auth_password(self, username, password):
                return paramiko.AUTH_SUCCESSFUL if password == SSH_PASSWORD else paramiko.AUTH_FAILED

            def check_channel_request(self, kind, chanid):
                return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

            def check_channel_exec_request(self, channel, command):
                def answer():
                    time.sleep(0.3)   # after paramiko's CHANNEL_SUCCESS for this request, which follows our return
                    channel.sendall(b"old-protocol:" + command + b"\n")
                    channel.send_exit_status(0)
                    channel.close()
                threading.Thread(target=answer, daemon=True).start()
                return True

        t = paramiko.Transport(conn)
        t.local_version = "SSH-1.99-TectiaServer_6.4"
        t.add_server_key(self.host_key)
        self.closeables.append(t)
        try:
            t.start_server(server=Server())
        except (paramiko.SSHException, EOFError, OSError):
            pass


@pytest.mark.parametrize("options", ["", "OldProtocolCompat"])
def test_old_protocol_compat_accepts_a_1_99_server(lab, ssh_user, options):
    """A "SSH-1.99-" backend is refused unless OldProtocolCompat, which also
    makes the KEXINIT pessimistic (it waits for the backend's)."""
    old = OldProtocolServer(lab)
    w = KexWatcher(old.port, hold_type=20)
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{w.port}"], extra=f"  ProxySFTPOptions {options}" if options else "")
        if options:
            assert _exec(p.port, "echo compat") == b"old-protocol:echo compat\n", p.read("proxy.log")
            assert not w.proxy_sent_during_hold(20), (w.proxy_packets, w.hold_window)
            assert "SSH session with SSH-1.99-TectiaServer_6.4" in p.read("proxy.log")
        else:
            r = openssh(lab, "ssh", p.port, SSH_USER, SSH_PASSWORD, [f"{SSH_USER}@127.0.0.1", "true"], timeout=60)
            err = r.stderr.decode()
            assert r.returncode != 0 and "Received disconnect" in err and "1.99" in err, err
            assert "only OldProtocolCompat accepts" in p.read("proxy.log"), p.read("proxy.log")
    finally:
        w.close()
        old.close()


# ---------------------------------------------------------------- compression (ProxySFTPCompression)

def _compressible_file(path, mib):
    """`mib` MiB of text that zlib shrinks a lot, different in every line."""
    with open(path, "wb") as f:
        for block in range(mib):
            f.write(b"".join(b"block %06d line %05d of a compressible test file ........\n" % (block, i)
                             for i in range(17000))[:1 << 20])
    return _sha(path)


@pytest.mark.parametrize("setting", ["delayed-sshd", "on-mod_sftp", "delayed-mod_sftp", "on-sshd-has-no-plain-zlib"])
def test_compression_toward_the_backend_100mib(lab, ssh_user, setting):
    """100 MiB each way through the relay with zlib toward the backend; the
    backend's own log says what it compressed with. sshd offers only
    zlib@openssh.com (so `on`, which offers zlib, falls back to none there,
    as with the C module); mod_sftp's `SFTPCompression delayed` offers both."""
    value, kind = setting.split("-")[0], setting.split("-")[1]
    if kind == "sshd":
        backend = _sshd(lab, "Subsystem sftp internal-sftp", "LogLevel DEBUG1")
        import pwd
        pw = pwd.getpwnam(ssh_user)
        work = os.path.join(lab.dir, "work")
        os.makedirs(work)
        os.chown(work, pw.pw_uid, pw.pw_gid)
        user, password, remote = SSH_USER, SSH_PASSWORD, f"{work}/big.txt"
        url = f"sftp://127.0.0.1:{backend.port}"
    else:
        backend = sftp_backend(lab, extra="SFTPCompression delayed")
        user, password, remote, url = H.USER, H.PASSWORD, "big.txt", backend.sftp_url
    try:
        p = ssh_proxy(lab, [url], extra=f"  ProxySFTPCompression {value}")
        local = os.path.join(lab.dir, "big.txt")
        want = _compressible_file(local, 100)
        batch = os.path.join(lab.dir, "batch")
        with open(batch, "w") as f:
            f.write(f"put {local} {remote}\nget {remote} {local}.back\n")
        r = openssh(lab, "sftp", p.port, user, password, ["-b", batch, f"{user}@127.0.0.1"])
        assert r.returncode == 0, r.stderr.decode() + p.read("proxy.log")
        assert _sha(local + ".back") == want
        log = p.read("proxy.log")
        if kind == "sshd":
            assert _sha(remote) == want
            expected = "none" if value == "on" else "zlib@openssh.com"
            assert H.wait_until(lambda: f"compression: {expected}" in backend.read_log(), 5), backend.read_log()
            if expected == "none":
                assert "compression: zlib" not in backend.read_log(), backend.read_log()
        else:
            assert _sha(os.path.join(backend.home, "big.txt")) == want
            sftplog = open(f"{lab.dir}/sftpbackend-sftp.log").read()
            expected = "zlib" if value == "on" else "zlib@openssh.com"
            assert f"+ Session client-to-server compression: {expected}\n" in sftplog, sftplog
            assert f"+ Session server-to-client compression: {expected}\n" in sftplog, sftplog
        if expected == "none":
            assert ", compression" not in log, log
        else:
            assert f", compression {expected}" in log, log
    finally:
        if kind == "sshd":
            backend.stop()
        # the lab is a 2 GiB tmpfs shared by the whole run: leave room for the other 100 MiB tests
        for path in (os.path.join(lab.dir, "big.txt"), os.path.join(lab.dir, "big.txt.back"),
                     remote if kind == "sshd" else os.path.join(backend.home, "big.txt")):
            if os.path.exists(path):
                os.remove(path)


# ---------------------------------------------------------------- ProxySFTPPassPhraseProvider, AllowWeakDH through the relay

@pytest.mark.parametrize("passphrase", ["right", "wrong"])
def test_passphrase_provider_unlocks_an_encrypted_host_key(lab, hostbased_user, passphrase):
    """An encrypted ProxySFTPHostKey (openssh-key-v1, bcrypt_pbkdf) is opened
    with the provider's first output line, at session start; the proxy then
    logs in to sshd by hostbased. A wrong passphrase leaves no usable key: the
    client is refused, the ProxyLog names the key file."""
    keys = lab.mkdir("proxykeys")
    proxy_key = os.path.join(keys, "proxy_host_key")
    H.run(["ssh-keygen", "-q", "-N", "Pass-phrase 42", "-t", "ed25519", "-f", proxy_key])
    os.chmod(proxy_key, 0o600)
    pub = open(proxy_key + ".pub").read().strip()
    d = lab.mkdir("provider")
    provider, args_log = os.path.join(d, "provider.sh"), os.path.join(d, "args.log")
    with open(provider, "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" >> {args_log}\nprintf '%s\\n' '{'Pass-phrase 42' if passphrase == 'right' else 'nope'}'\n")
    os.chmod(provider, 0o755)
    s = _sshd_trusting_the_proxy(lab, hostbased_user, pub)
    try:
        client_key_path, authorized_keys = _authorized_client_key(lab)
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{s.port}"], extra=f"  ProxySFTPHostKey {proxy_key}",
                      outside=f"ProxySFTPPassPhraseProvider {provider}\n{authorized_keys}")
        c = paramiko.SSHClient()
        c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            if passphrase == "right":
                c.connect("127.0.0.1", port=p.port, username=HB_USER, key_filename=client_key_path, allow_agent=False,
                          look_for_keys=False, timeout=20)
                _, out, _ = c.exec_command("echo unlocked")
                assert out.read() == b"unlocked\n"
            else:
                with pytest.raises((paramiko.AuthenticationException, paramiko.SSHException)):
                    c.connect("127.0.0.1", port=p.port, username=HB_USER, key_filename=client_key_path,
                              allow_agent=False, look_for_keys=False, timeout=20)
        finally:
            c.close()
        assert open(args_log).read().split("\n")[0] == f"it-proxy:{p.port} {proxy_key}"
        log = p.read("proxy.log")
        if passphrase == "right":
            assert f"Accepted hostbased for {HB_USER}" in s.read_log(), s.read_log() + log
        else:
            assert f"ProxySFTPHostKey {proxy_key}" in log, log
            assert f"Accepted hostbased for {HB_USER}" not in s.read_log()
    finally:
        s.stop()


@pytest.mark.parametrize("options", ["", "AllowWeakDH"])
def test_allow_weak_dh_reaches_a_group1_only_backend(lab, ssh_user, options):
    """sshd that speaks only diffie-hellman-group1-sha1: AllowWeakDH adds it
    after the defaults (the session works); without it the client hears why not."""
    s = _sshd(lab, "KexAlgorithms diffie-hellman-group1-sha1")
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{s.port}"], extra=f"  ProxySFTPOptions {options}" if options else "")
        if options:
            assert _exec(p.port, "echo weak-dh") == b"weak-dh\n", p.read("proxy.log")
            assert "kex diffie-hellman-group1-sha1" in p.read("proxy.log")
        else:
            r = openssh(lab, "ssh", p.port, SSH_USER, SSH_PASSWORD, [f"{SSH_USER}@127.0.0.1", "true"], timeout=60)
            err = r.stderr.decode()
            assert r.returncode != 0 and "Received disconnect" in err, err
            assert "key exchange" in p.read("proxy.log"), p.read("proxy.log")
    finally:
        s.stop()


# ---------------------------------------------------------------- SFTPClientAlive (mod_sftp's) while the relay waits

@pytest.mark.parametrize("client", ["answers", "silent"])
def test_client_alive_probes_while_the_relay_waits(lab, sshd_backend, client):
    """SFTPClientAlive 2 1 at the proxy: while a remote command runs quietly
    the client gets keepalive@proftpd.org requests every second; one that
    answers them keeps its session, one that does not is disconnected with
    mod_sftp's reason one interval after its second unanswered probe."""
    p = ssh_proxy(lab, [sshd_backend.url], outside="<IfModule mod_sftp.c>\n  SFTPClientAlive 2 1\n</IfModule>")
    t = paramiko.Transport(("127.0.0.1", p.port))
    probes = []
    table = dict(t._handler_table)
    answer = table[paramiko.common.MSG_GLOBAL_REQUEST]

    def on_global_request(transport, m):
        start = m.packet.tell()
        probes.append((m.get_text(), time.monotonic()))
        if client == "answers":
            m.packet.seek(start)
            answer(transport, m)   # paramiko's own handling: REQUEST_FAILURE

    table[paramiko.common.MSG_GLOBAL_REQUEST] = on_global_request
    t._handler_table = table
    try:
        t.start_client(timeout=20)
        t.auth_password(SSH_USER, SSH_PASSWORD)
        chan = t.open_session()
        chan.exec_command("sleep 6; echo still-here")
        out = b""
        chan.settimeout(30)
        try:
            while True:
                data = chan.recv(1024)
                if not data:
                    break
                out += data
        except (OSError, EOFError):
            pass
        # (mod_sftp at the proxy also sends its hostkeys-00@openssh.com after the login)
        keepalives = [at for name, at in probes if name == "keepalive@proftpd.org"]
        assert all(b - a >= 0.9 for a, b in zip(keepalives, keepalives[1:])), probes
        if client == "answers":
            assert out == b"still-here\n", p.read("proxy.log")
            assert len(keepalives) >= 4, probes
        else:
            # as mod_sftp: `count` probes, then at the next silent interval the end
            assert out == b"", out
            assert len(keepalives) == 2, probes
            log = p.read("proxy.log")
            assert "SFTPClientAlive threshold (max 2 checks, 1 sec interval) reached" in log, log
            assert "client alive threshold reached" in log, log
    finally:
        t.close()
