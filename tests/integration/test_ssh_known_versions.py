"""Upstream's table of known SSH server versions (mod_proxy's interop.c,
`known_versions`) toward real peers: a paramiko backend announcing such a
version (`paramiko_backend.py`). A Sun_SSH_1.0 backend takes no rekey of
ours (the proxy starts one after 1 GiB toward any other backend), and an
OpenSSH 2.5 backend gets the old group-exchange request. ProxyLog names
the matched version. The other flags change signatures and key derivation
for servers nobody runs any more: ProxySSHTests/KnownServerVersionTests."""
import os
import subprocess

import pytest

import harness as H
from test_sftp_reverse import SSH_PASSWORD, ssh_proxy

pytestmark = pytest.mark.swift_only

pytest.importorskip("paramiko")
from paramiko_backend import ParamikoBackend  # noqa: E402

USER = "legacy"
# Over the proxy's 1 GiB rekey limit toward a backend (SSHClientTransport.rekeyAfterBytes).
UPLOAD = (1 << 30) + (64 << 20)


def _backend(lab, version, **kw):
    key = os.path.join(lab.mkdir("paramiko-" + version.replace("/", "_")), "host_ed25519")
    H.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", key])
    return ParamikoBackend(key, version, SSH_PASSWORD, **kw)


def _ssh_env(lab):
    askpass = os.path.join(lab.dir, "askpass-known")
    with open(askpass, "w") as f:
        f.write(f"#!/bin/sh\necho '{SSH_PASSWORD}'\n")
    os.chmod(askpass, 0o755)
    return dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")


def _ssh(port, command):
    return ["ssh", "-o", "BatchMode=no", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "PubkeyAuthentication=no", "-o", "LogLevel=ERROR", "-p", str(port), f"{USER}@127.0.0.1", command]


def _upload(lab, port, nbytes):
    """`nbytes` zeros through the proxy into the backend's "sink" command (a pipe: no file)."""
    zeros = subprocess.Popen(["head", "-c", str(nbytes), "/dev/zero"], stdout=subprocess.PIPE)
    try:
        r = subprocess.run(_ssh(port, "sink"), stdin=zeros.stdout, capture_output=True, env=_ssh_env(lab),
                           timeout=600)
    finally:
        zeros.stdout.close()
        zeros.wait()
    return r


@pytest.mark.slow
@pytest.mark.parametrize("version,rekeys", [("SSH-2.0-Sun_SSH_1.0", False), ("SSH-2.0-PlainServer_1.0", True)])
def test_no_rekey_of_ours_toward_a_server_known_not_to_take_one(lab, version, rekeys):
    backend = _backend(lab, version)
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{backend.port}"])
        r = _upload(lab, p.port, UPLOAD)
        log = p.read("proxy.log")
        assert r.returncode == 0, r.stderr.decode() + log
        assert r.stdout == b"%d\n" % UPLOAD and backend.sunk == [UPLOAD]
        # The backend starts no rekey itself: every KEXINIT after the first is the proxy's.
        if rekeys:
            assert backend.client_kexinits >= 2, log
            assert "rekeyed (1)" in log, log
            assert "matched known version" not in log, log
        else:
            assert backend.client_kexinits == 1, log
            assert "rekeyed" not in log, log
            assert ("server version 'SSH-2.0-Sun_SSH_1.0' matched known version '^Sun_SSH_1\\.0.*': no rekeying"
                    in log), log
    finally:
        backend.close()


@pytest.mark.parametrize("version,old", [("SSH-2.0-OpenSSH_2.5.2p2", True), ("SSH-2.0-OpenSSH_9.2p1", False)])
def test_old_group_exchange_request_toward_openssh_2(lab, version, old):
    backend = _backend(lab, version, kex=["diffie-hellman-group-exchange-sha256"])
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{backend.port}"])
        r = subprocess.run(_ssh(p.port, "hello"), capture_output=True, env=_ssh_env(lab),
                           stdin=subprocess.DEVNULL, timeout=60)
        log = p.read("proxy.log")
        assert r.returncode == 0 and r.stdout == b"echo:hello\n", r.stderr.decode() + log
        assert backend.old_style_gex == [old], log
        assert "kex diffie-hellman-group-exchange-sha256" in log, log
        named = ("matched known version '^OpenSSH_2\\.5\\.2.*': no rekeying, no RFC 4419 group exchange request"
                 in log)
        assert named == old, log
    finally:
        backend.close()


def test_server_match_rules_apply_on_top_of_the_table(lab):
    """A Sun_SSH_1.0 backend with a ProxySFTPServerMatch rule: both lines in
    ProxyLog, the login works (pessimistic NEWKEYS toward paramiko)."""
    backend = _backend(lab, "SSH-2.0-Sun_SSH_1.0.1")
    try:
        p = ssh_proxy(lab, [f"sftp://127.0.0.1:{backend.port}"],
                      extra='  ProxySFTPServerMatch "^Sun_SSH" pessimisticNewkeys on')
        r = subprocess.run(_ssh(p.port, "x"), capture_output=True, env=_ssh_env(lab),
                           stdin=subprocess.DEVNULL, timeout=60)
        log = p.read("proxy.log")
        assert r.returncode == 0 and r.stdout == b"echo:x\n", r.stderr.decode() + log
        assert "matched known version '^Sun_SSH_1\\.0.*': no rekeying" in log, log
        assert "matched ProxySFTPServerMatch '^Sun_SSH': pessimisticNewkeys on" in log, log
    finally:
        backend.close()
