"""Exit statuses and exit signals of remote commands through the SSH
reverse proxy end as they do directly against the backend: OpenSSH's ssh
gives the same exit code, output and message. sshd sends exit-status and,
for a command killed by a signal, exit-signal (the relay passes both
verbatim); mod_sftp runs only scp and sftp and sends exit-status alone
(contrib/mod_sftp/channel.c), compared here with a failing legacy scp."""
import os
import subprocess

import pytest

import harness as H
from test_sftp_reverse import SSH_PASSWORD, SSH_USER, sftp_backend, ssh_proxy, sshd_backend, ssh_user  # noqa: F401

pytestmark = pytest.mark.swift_only

pytest.importorskip("paramiko")


def _run(lab, tool, port, user, password, args, log_level="ERROR"):
    askpass = os.path.join(lab.dir, "askpass-exec-" + user)
    with open(askpass, "w") as f:
        f.write(f"#!/bin/sh\necho '{password}'\n")
    os.chmod(askpass, 0o755)
    env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":0", LC_ALL="C")
    port_flag = "-p" if tool == "ssh" else "-P"
    cmd = [tool, "-o", "BatchMode=no", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
           "-o", "PubkeyAuthentication=no", "-o", f"LogLevel={log_level}", port_flag, str(port)] + args
    r = subprocess.run(cmd, capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
    return r.returncode, r.stdout, r.stderr


COMMANDS = {
    "exit-0": "echo before; exit 0",
    "exit-3": "echo before; echo err >&2; exit 3",
    "exit-255": "exit 255",
    "sigterm": "echo before; kill -TERM $$",
    "sigkill": "echo before; kill -KILL $$",
    "sighup-after-stderr": "echo before >&2; kill -HUP $$",
}


@pytest.mark.parametrize("case", sorted(COMMANDS))
def test_exit_status_and_signal_as_directly_against_sshd(lab, sshd_backend, case):  # noqa: F811
    p = ssh_proxy(lab, [sshd_backend.url])
    args = [f"{SSH_USER}@127.0.0.1", COMMANDS[case]]
    direct = _run(lab, "ssh", sshd_backend.port, SSH_USER, SSH_PASSWORD, args)
    proxied = _run(lab, "ssh", p.port, SSH_USER, SSH_PASSWORD, args)
    assert proxied == direct, (direct, proxied, p.read("proxy.log"))
    want = {"exit-0": 0, "exit-3": 3, "exit-255": 255}.get(case)
    if want is not None:
        assert direct[0] == want, direct
    else:
        # OpenSSH's client has no exit status to give for a signal (255); its
        # debug log shows that the backend's exit-signal reached it.
        assert direct[0] == 255, direct
        for port in (sshd_backend.port, p.port):
            debug = _run(lab, "ssh", port, SSH_USER, SSH_PASSWORD, args, log_level="DEBUG")[2].decode()
            assert "rtype exit-signal" in debug and "rtype exit-status" not in debug, (port, debug)


def test_exit_status_of_scp_as_directly_against_mod_sftp(lab):
    """mod_sftp's exit-status for a legacy scp that fails (a missing file) and one that works."""
    backend = sftp_backend(lab)
    backend.put_file("marker.txt", b"mod_sftp backend\n")
    p = ssh_proxy(lab, [backend.sftp_url])
    target = os.path.join(lab.dir, "copy")
    for source, want in (("missing.txt", 1), ("marker.txt", 0)):
        results = []
        for port in (backend.port, p.port):
            if os.path.exists(target):
                os.unlink(target)
            results.append(_run(lab, "scp", port, H.USER, H.PASSWORD, ["-O", f"{H.USER}@127.0.0.1:{source}", target]))
        direct, proxied = results
        assert proxied == direct, (source, direct, proxied, p.read("proxy.log"))
        assert direct[0] == want, direct
