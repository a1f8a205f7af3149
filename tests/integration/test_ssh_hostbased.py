"""Hostbased login of the backend SSH client (ProxySSH Keys/ and UserAuth/)
against Debian's real OpenSSH server: the proxy's host keys as files (plain,
encrypted with bcrypt_pbkdf, PEM, PKCS#8), passphrases from a
ProxySFTPPassPhraseProvider program, and keys held by a real ssh-agent.

`ssh-transport-probe --hostbased-key ...` logs in with HostbasedLogin and runs
a command. sshd trusts the client host "proxy-hb.example" through the user's
~/.shosts and the host key through ~/.ssh/known_hosts; with
HostbasedUsesNameFromPacketOnly it takes the name from the request (no DNS).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import harness as H
from test_ssh_transport import SSHD, ProbeResult, SSHServer, probe_path

pytestmark = pytest.mark.swift_only

HB_USER = H.worker_account("proxy-sshhb")
CLIENT_HOST = "proxy-hb.example"
PASSPHRASE = "hb pass phrase"


@pytest.fixture(scope="module")
def hb_user():
    """A local account with its own home (~/.shosts, ~/.ssh/known_hosts).
    It has a password only because sshd refuses locked accounts."""
    if not os.access(SSHD, os.X_OK):
        pytest.fail(f"{SSHD} is missing: ./install.sh --deps-only --test-deps installs openssh-server")
    home = tempfile.mkdtemp(prefix="proxy-sshhb-")
    os.chmod(home, 0o755)
    created = subprocess.run(["id", HB_USER], capture_output=True).returncode != 0
    if created:
        r = H.run(["useradd", "--system", "--home-dir", home, "--shell", "/bin/sh", HB_USER])
    else:   # left by an interrupted run: point it at this run's home
        r = H.run(["usermod", "--home", home, HB_USER])
    assert r.returncode == 0, r.stderr
    r = H.run(["chpasswd"], input=f"{HB_USER}:unused-Pw-71q\n".encode())
    assert r.returncode == 0, r.stderr
    os.makedirs(os.path.join(home, ".ssh"), exist_ok=True)
    yield home
    if created:
        H.run(["userdel", HB_USER])
    shutil.rmtree(home, ignore_errors=True)


def trust(home, pubkeys, host=CLIENT_HOST):
    """sshd's view: `host` is an equivalent host for the user, with these keys."""
    with open(os.path.join(home, ".shosts"), "w") as f:
        f.write(f"{host} {HB_USER}\n")
    with open(os.path.join(home, ".ssh", "known_hosts"), "w") as f:
        for pub in pubkeys:
            f.write(f"{host} {' '.join(pub.split()[:2])}\n")


class HostbasedSSHD(SSHServer):
    """sshd accepting only hostbased logins of HB_USER."""
    user = HB_USER
    auth_lines = ["PasswordAuthentication no", "KbdInteractiveAuthentication no", "PubkeyAuthentication no",
                  "HostbasedAuthentication yes", "IgnoreRhosts no", "HostbasedUsesNameFromPacketOnly yes",
                  "AuthenticationMethods hostbased"]
    log_level = "DEBUG1"   # sshd names each request's algorithm ("pkalg") at DEBUG1


class Agent:
    """A real ssh-agent on a socket in the lab dir, keys added with ssh-add."""

    def __init__(self, lab):
        # Not in the lab dir: a Unix socket path must fit in 108 bytes.
        self.dir = tempfile.mkdtemp(prefix="hb-agent-")
        self.sock = os.path.join(self.dir, "agent.sock")
        self.proc = subprocess.Popen(["ssh-agent", "-D", "-a", self.sock], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        assert H.wait_until(lambda: os.path.exists(self.sock), 10), "ssh-agent did not start"

    def add(self, keyfile, *flags):
        r = H.run(["ssh-add", *flags, keyfile], env=dict(os.environ, SSH_AUTH_SOCK=self.sock))
        assert r.returncode == 0, r.stderr

    def public_keys(self):
        r = H.run(["ssh-add", "-L"], env=dict(os.environ, SSH_AUTH_SOCK=self.sock))
        return r.stdout.decode().splitlines()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def servers(lab, hb_user):
    started = []

    def start(**kw):
        s = HostbasedSSHD(lab, **kw)
        started.append(s)
        return s
    yield start
    for s in started:
        s.stop()


def keygen(lab, kind, passphrase="", extra=()):
    path = os.path.join(lab.mkdir(f"keys-{len(os.listdir(lab.dir))}"), "key")
    kind, _, bits = kind.partition("-")
    cmd = ["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", "proxy host key", "-f", path] + list(extra)
    if bits:
        cmd += ["-b", bits]
    r = H.run(cmd)
    assert r.returncode == 0, r.stderr
    with open(path + ".pub") as f:
        return path, f.read()


def provider_script(lab, output=PASSPHRASE, status=0):
    """A ProxySFTPPassPhraseProvider that logs its arguments."""
    d = lab.mkdir(f"provider-{len(os.listdir(lab.dir))}")
    path, log = os.path.join(d, "provider.sh"), os.path.join(d, "args.log")
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" >> {log}\nprintf '%s\\n' '{output}'\nexit {status}\n")
    os.chmod(path, 0o755)
    return path, log


def probe(server, *keys, extra=(), client_host=CLIENT_HOST, command="id -un; exit 7"):
    cmd = [probe_path(), "--port", str(server.port), "--user", HB_USER, "--client-host", client_host,
           "--command", command, "--timeout", "40"]
    for k in keys:
        cmd += ["--hostbased-key", k]
    return ProbeResult(subprocess.run(cmd + list(extra), capture_output=True, timeout=60))


def fingerprint(pub_line):
    r = H.run(["ssh-keygen", "-l", "-E", "sha256", "-f", "-"], input=pub_line.encode())
    return r.stdout.decode().split()[1]


def assert_logged_in(r, server, pub, algorithm):
    assert r.rc == 7 and r.stdout == HB_USER.encode() + b"\n", f"{r}\nsshd:\n{server.read_log()[-3000:]}"
    assert r.fact("userauth") == f"hostbased accepted with {algorithm} {fingerprint(pub)}", r
    assert re.search(rf"Accepted hostbased for {HB_USER} from 127\.0\.0\.1 port \d+ ssh2", server.read_log())


KEY_TYPES = [("ed25519", "ssh-ed25519"), ("ecdsa-256", "ecdsa-sha2-nistp256"), ("ecdsa-384", "ecdsa-sha2-nistp384"),
             ("ecdsa-521", "ecdsa-sha2-nistp521"), ("rsa-3072", "rsa-sha2-512")]


@pytest.mark.parametrize("kind,algorithm", KEY_TYPES)
def test_hostbased_with_a_key_file(lab, hb_user, servers, kind, algorithm):
    key, pub = keygen(lab, kind)
    trust(hb_user, [pub])
    server = servers()
    r = probe(server, key)
    assert_logged_in(r, server, pub, algorithm)


def test_rsa_falls_back_to_sha256_never_sha1(lab, hb_user, servers):
    """sshd accepts only rsa-sha2-256 for hostbased (its server-sig-algs
    still lists -512): the -512 request is refused, the -256 one logs in;
    no SHA-1 ssh-rsa request is ever made."""
    key, pub = keygen(lab, "rsa-2048")
    trust(hb_user, [pub])
    server = servers(options=["HostbasedAcceptedAlgorithms=rsa-sha2-256"])
    r = probe(server, key)
    assert_logged_in(r, server, pub, "rsa-sha2-256")
    log = server.read_log()
    assert "pkalg rsa-sha2-512" in log and "pkalg rsa-sha2-256" in log and "pkalg ssh-rsa" not in log


@pytest.mark.parametrize("kind,fmt,algorithm", [
    ("ed25519", [], "ssh-ed25519"),                                   # openssh-key-v1, bcrypt + aes256-ctr, 16 rounds
    ("ecdsa-384", ["-Z", "aes256-gcm@openssh.com"], "ecdsa-sha2-nistp384"),
    ("ecdsa-521", ["-Z", "chacha20-poly1305@openssh.com"], "ecdsa-sha2-nistp521"),
    ("rsa-2048", ["-Z", "aes128-cbc"], "rsa-sha2-512"),
    ("rsa-2048", ["-m", "PEM"], "rsa-sha2-512"),                      # legacy encrypted PEM
    ("ecdsa-256", ["-m", "PKCS8"], "ecdsa-sha2-nistp256"),            # encrypted PKCS#8
])
def test_encrypted_key_with_the_passphrase_provider(lab, hb_user, servers, kind, fmt, algorithm):
    key, pub = keygen(lab, kind, PASSPHRASE, fmt)
    trust(hb_user, [pub])
    server = servers()
    provider, args_log = provider_script(lab)
    r = probe(server, key, extra=["--passphrase-provider", provider])
    assert_logged_in(r, server, pub, algorithm)
    with open(args_log) as f:
        assert f.read() == f"127.0.0.1:{server.port} {key}\n"   # servername:port, then the key file


def test_wrong_passphrase_and_failing_provider_are_named(lab, hb_user, servers):
    key, pub = keygen(lab, "ed25519", PASSPHRASE)
    trust(hb_user, [pub])
    server = servers()
    wrong, _ = provider_script(lab, output="not it")
    r = probe(server, key, extra=["--passphrase-provider", wrong])
    assert r.rc == 255 and f"{key}: wrong passphrase" in r.stderr, r
    failing, _ = provider_script(lab, status=3)
    r = probe(server, key, extra=["--passphrase-provider", failing])
    assert r.rc == 255 and "exited with status 3" in r.stderr and key in r.stderr, r
    r = probe(server, key)
    assert r.rc == 255 and "no ProxySFTPPassPhraseProvider is configured" in r.stderr, r
    assert "Accepted hostbased" not in server.read_log()


@pytest.mark.parametrize("kind,algorithm", KEY_TYPES)
def test_hostbased_with_an_agent_key(lab, hb_user, servers, kind, algorithm):
    agent = Agent(lab)
    try:
        key, _ = keygen(lab, kind)
        agent.add(key)
        pubs = agent.public_keys()
        assert len(pubs) == 1
        trust(hb_user, pubs)
        server = servers()
        r = probe(server, f"agent:{agent.sock}")
        assert_logged_in(r, server, pubs[0], algorithm)
    finally:
        agent.stop()


def test_agent_keys_are_tried_in_turn(lab, hb_user, servers):
    """Only the agent's second key is trusted: the first is refused, the second logs in."""
    agent = Agent(lab)
    try:
        for kind in ("ed25519", "rsa-2048"):
            agent.add(keygen(lab, kind)[0])
        pubs = agent.public_keys()
        trust(hb_user, [pubs[1]])
        server = servers()
        r = probe(server, f"agent:{agent.sock}")
        assert_logged_in(r, server, pubs[1], "rsa-sha2-512")
        assert len(re.findall(r"^probe: key: ", r.stderr, re.M)) == 2
    finally:
        agent.stop()


def test_untrusted_key_host_and_missing_agent_are_refused(lab, hb_user, servers):
    key, pub = keygen(lab, "ecdsa-256")
    other, other_pub = keygen(lab, "ecdsa-256")
    trust(hb_user, [other_pub])
    server = servers()
    r = probe(server, key)
    assert r.rc == 255 and "refused for every key: ecdsa-sha2-nistp256 " + fingerprint(pub) in r.stderr, r
    trust(hb_user, [pub], host="elsewhere.example")
    r = probe(server, key)
    assert r.rc == 255 and f"hostbased login as {HB_USER} from {CLIENT_HOST}. refused" in r.stderr, r
    assert "Accepted hostbased" not in server.read_log()
    r = probe(server, f"agent:{lab.dir}/no-agent.sock")
    assert r.rc == 255 and "cannot connect to the agent at" in r.stderr, r


def test_agent_that_refuses_to_sign_is_named(lab, hb_user, servers):
    """A key added with `ssh-add -c` needs a confirmation nobody can give
    (no SSH_ASKPASS): the agent answers SSH_AGENT_FAILURE to the sign request."""
    agent = Agent(lab)
    try:
        agent.add(keygen(lab, "ed25519")[0], "-c")
        trust(hb_user, agent.public_keys())
        server = servers()
        r = probe(server, f"agent:{agent.sock}")
        assert r.rc == 255 and "the agent refused to sign with the key" in r.stderr, r
        assert "Accepted hostbased" not in server.read_log()
    finally:
        agent.stop()


def test_a_silent_agent_is_bounded(lab, hb_user, servers):
    """A socket that accepts and never answers: the probe gives up after the
    agent timeout (5 s) with a reason instead of hanging."""
    d = tempfile.mkdtemp(prefix="hb-mute-")
    path = os.path.join(d, "mute.sock")
    mute = socket.socket(socket.AF_UNIX)
    try:
        mute.bind(path)
        mute.listen(1)
        server = servers()
        started = time.monotonic()
        r = probe(server, f"agent:{path}")
        assert r.rc == 255 and "did not answer within 5000 ms" in r.stderr, r
        assert time.monotonic() - started < 20
    finally:
        mute.close()
        shutil.rmtree(d, ignore_errors=True)


def test_missing_and_corrupt_key_files_are_named(lab, hb_user, servers):
    server = servers()
    missing = os.path.join(lab.dir, "no-such-key")
    r = probe(server, missing)
    assert r.rc == 255 and f"{missing}: No such file or directory" in r.stderr, r
    key, _ = keygen(lab, "ed25519")
    with open(key) as f:
        text = f.read()
    with open(key, "w") as f:
        f.write(text[:len(text) // 2] + "\n-----END OPENSSH PRIVATE KEY-----\n")
    r = probe(server, key)
    assert r.rc == 255 and f"{key}: openssh-key-v1 key is malformed" in r.stderr, r
    dsa, _ = keygen(lab, "dsa")   # OpenSSH 9.2 no longer accepts DSA keys; neither does the proxy
    r = probe(server, dsa)
    assert r.rc == 255 and f"{dsa}: key type ssh-dss is not supported" in r.stderr, r
    pem = os.path.join(lab.dir, "dsa.pem")
    assert H.run(["openssl", "genpkey", "-genparam", "-algorithm", "DSA", "-out", pem + ".param"]).returncode == 0
    assert H.run(["openssl", "genpkey", "-paramfile", pem + ".param", "-out", pem]).returncode == 0
    r = probe(server, pem)
    assert r.rc == 255 and f"{pem}: key type DSA is not supported" in r.stderr, r


def test_backend_that_wants_more_than_hostbased(lab, hb_user, servers):
    """AuthenticationMethods hostbased,password: sshd accepts the hostbased
    step (partial success) and wants a password the proxy does not have."""
    key, pub = keygen(lab, "ed25519")
    trust(hb_user, [pub])
    server = servers(options=["AuthenticationMethods=hostbased,password", "PasswordAuthentication=yes"])
    r = probe(server, key)
    assert r.rc == 255 and "the server accepted hostbased but requires more (password)" in r.stderr, r
