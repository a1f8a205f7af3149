"""The backend SSH client transport (Sources/ProxySSH) against Debian's real
OpenSSH server.

`ssh-transport-probe` (built next to the module by `swift build -c release`)
connects with SSHClientTransport, checks the host key, logs in with a
password, runs a command on a session channel and prints its output and exit
status. sshd runs on a free loopback port with its own host keys, no PAM,
and is restricted to one algorithm at a time with -o.
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

import harness as H

pytestmark = pytest.mark.swift_only

SSHD = "/usr/sbin/sshd"
# One account per pytest-xdist worker: a file's fixture deletes the account it
# created, and another file may be using the account on another worker.
SSH_USER = H.worker_account("proxy-sshprobe")
SSH_PASSWORD = "probe-pw-5Xk"

KEX = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
       "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group14-sha256",
       "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
       "diffie-hellman-group-exchange-sha256"]
AEAD = ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]
CTR = ["aes128-ctr", "aes192-ctr", "aes256-ctr"]
MACS = ["hmac-sha2-256", "hmac-sha2-512", "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com"]
CIPHER_MAC = [(c, None) for c in AEAD] + [(c, m) for c in CTR for m in MACS]


def probe_path():
    """The probe sits next to the module in the build directory."""
    path = os.environ.get("SSH_TRANSPORT_PROBE") or os.path.join(
        os.path.dirname(os.path.abspath(os.environ.get("MOD_PROXY_SO", H.DEFAULT_MODULE))),
        "ssh-transport-probe")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: `swift build -c release` builds it (or set SSH_TRANSPORT_PROBE)")
    return path


@pytest.fixture(scope="module")
def ssh_user():
    """A local account for sshd's password check (UsePAM no reads /etc/shadow)."""
    if not os.access(SSHD, os.X_OK):
        pytest.fail(f"{SSHD} is missing: ./install.sh --deps-only --test-deps installs openssh-server")
    created = subprocess.run(["id", SSH_USER], capture_output=True).returncode != 0
    if created:
        r = H.run(["useradd", "--system", "--home-dir", "/tmp", "--shell", "/bin/sh", SSH_USER])
        assert r.returncode == 0, r.stderr
    r = H.run(["chpasswd"], input=f"{SSH_USER}:{SSH_PASSWORD}\n".encode())
    assert r.returncode == 0, r.stderr
    yield SSH_USER
    if created:
        H.run(["userdel", SSH_USER])


class SSHServer:
    """One sshd -D -e on 127.0.0.1 with generated host keys and -o options.
    Subclasses change who may log in and how (test_ssh_hostbased.py)."""
    user = SSH_USER
    auth_lines = ["PasswordAuthentication yes", "KbdInteractiveAuthentication no", "PubkeyAuthentication no"]
    log_level = "VERBOSE"

    def __init__(self, lab, keys=("ed25519",), options=()):
        self.dir = lab.mkdir(f"sshd-{len(os.listdir(lab.dir))}")
        self.port = lab.ports.port()
        self.keys = {}
        lines = []
        for spec in keys:
            kind, _, bits = spec.partition("-")
            path = os.path.join(self.dir, f"host_{kind}{bits}")
            cmd = ["ssh-keygen", "-q", "-N", "", "-t", kind, "-f", path] + (["-b", bits] if bits else [])
            r = H.run(cmd)
            assert r.returncode == 0, r.stderr
            self.keys[spec] = path
            lines.append(f"HostKey {path}")
        lines += ["ListenAddress 127.0.0.1", "UsePAM no", *self.auth_lines, "PidFile none",
                  "StrictModes no", f"LogLevel {self.log_level}", f"AllowUsers {self.user}"]
        self.conf = os.path.join(self.dir, "sshd_config")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)   # privilege separation dir
        cmd = [SSHD, "-D", "-e", "-f", self.conf, "-p", str(self.port)]
        for o in options:
            cmd += ["-o", o]
        check = H.run([SSHD, "-t"] + cmd[2:])
        assert check.returncode == 0, check.stderr.decode()
        self.log = os.path.join(self.dir, "sshd.log")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"),
                                     start_new_session=True)
        ok = H.wait_until(lambda: "Server listening" in self.read_log() or self.proc.poll() is not None, 10)
        assert ok and self.proc.poll() is None, "sshd did not start:\n" + self.read_log()

    def read_log(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def fingerprint(self, spec):
        out = H.run(["ssh-keygen", "-l", "-E", "sha256", "-f", self.keys[spec] + ".pub"]).stdout.decode()
        return out.split()[1]

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def sshd(lab, ssh_user):
    started = []

    def start(**kw):
        s = SSHServer(lab, **kw)
        started.append(s)
        return s
    yield start
    for s in started:
        s.stop()


class ProbeResult:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr.decode(errors="replace")

    def fact(self, name):
        m = re.search(rf"^probe: {re.escape(name)}: (.*)$", self.stderr, re.M)
        return m.group(1) if m else None

    @property
    def rekeys(self):
        return int(self.fact("rekeys").split()[0])

    def __repr__(self):
        return f"rc={self.rc} stdout={self.stdout[:200]!r} stderr={self.stderr[-2000:]}"


def probe(server, *args, command="echo hi; exit 3", password=SSH_PASSWORD, timeout=60):
    cmd = [probe_path(), "--port", str(server.port), "--user", SSH_USER, "--password", password,
           "--command", command, "--timeout", str(timeout - 5)] + list(args)
    return ProbeResult(subprocess.run(cmd, capture_output=True, timeout=timeout))


def assert_echo_hi(r, what=""):
    assert r.rc == 3 and r.stdout == b"hi\n", f"{what}: {r}"
    assert r.fact("userauth") == "password accepted", f"{what}: {r}"


# ------------------------------------------------------------------ algorithms


@pytest.mark.parametrize("kex", KEX)
def test_each_kex_with_every_cipher_and_mac(sshd, kex):
    """sshd offers only `kex`; the probe's default offer must find it, then
    every cipher x MAC (restricted on the probe's side) completes a session."""
    server = sshd(options=[f"KexAlgorithms={kex}"])
    failures = []
    for cipher, mac in CIPHER_MAC:
        args = ["--cipher", cipher] + (["--mac", mac] if mac else [])
        r = probe(server, *args)
        want = f"kex={kex} hostkey=ssh-ed25519 cipher={cipher} mac={mac or 'aead'}"
        if r.rc != 3 or r.stdout != b"hi\n" or r.fact("negotiated") != want:
            failures.append(f"{cipher} {mac}: {r}")
    assert not failures, "\n".join(failures) + "\nsshd log:\n" + server.read_log()[-3000:]


@pytest.mark.parametrize("cipher", AEAD + CTR)
def test_sshd_restricted_to_one_cipher(sshd, cipher):
    server = sshd(options=[f"Ciphers={cipher}"])
    r = probe(server)
    assert_echo_hi(r, cipher)
    assert f"cipher={cipher} " in r.fact("negotiated")


@pytest.mark.parametrize("mac", MACS)
def test_sshd_restricted_to_one_mac(sshd, mac):
    server = sshd(options=["Ciphers=aes256-ctr", f"MACs={mac}"])
    r = probe(server)
    assert_echo_hi(r, mac)
    assert r.fact("negotiated").endswith(f"cipher=aes256-ctr mac={mac}")


@pytest.mark.parametrize("key,algorithm", [
    ("ed25519", "ssh-ed25519"),
    ("ecdsa-256", "ecdsa-sha2-nistp256"),
    ("ecdsa-384", "ecdsa-sha2-nistp384"),
    ("ecdsa-521", "ecdsa-sha2-nistp521"),
    ("rsa-3072", "rsa-sha2-256"),
    ("rsa-3072", "rsa-sha2-512"),
])
def test_host_key_signature_and_fingerprint(sshd, key, algorithm):
    server = sshd(keys=(key,), options=[f"HostKeyAlgorithms={algorithm}"])
    fp = server.fingerprint(key)
    r = probe(server, "--expect-fingerprint", fp)
    assert_echo_hi(r, algorithm)
    assert r.fact("hostkey").split() == [algorithm if not algorithm.startswith("rsa") else "ssh-rsa", fp]
    assert f"hostkey={algorithm} " in r.fact("negotiated")


def test_unexpected_host_key_is_refused(sshd):
    server = sshd(keys=("ed25519",))
    other = sshd(keys=("ed25519",))
    r = probe(server, "--expect-fingerprint", other.fingerprint("ed25519"))
    assert r.rc == 255 and r.stdout == b"", r
    assert "is not the expected" in r.stderr, r
    # sshd saw our DISCONNECT with reason 9 (host key not verifiable), no login.
    assert H.wait_until(lambda: "Received disconnect" in server.read_log(), 5), server.read_log()
    assert "Accepted password" not in server.read_log()


def test_strict_kex_and_ext_info_with_debian_sshd(sshd):
    server = sshd(options=["LogLevel DEBUG1"])
    r = probe(server)
    assert_echo_hi(r)
    assert r.fact("strict-kex") == "yes", r
    assert "rsa-sha2-256" in r.fact("server-sig-algs").split(","), r
    assert r.fact("server-version").startswith("SSH-2.0-OpenSSH_"), r
    # sshd logged our identification: the C module's, for SFTPClientMatch rules.
    assert "remote software version mod_proxy/0.9.3" in server.read_log(), server.read_log()[-3000:]


def test_wrong_password_is_reported(sshd):
    r = probe(sshd(), password="not-the-password")
    assert r.rc == 255, r
    assert "password authentication refused" in r.stderr, r


# ------------------------------------------------------------------ rekeying

OUTPUT_LINES = 1500000     # `seq 1 N`: about 10.9 MB through the channel


def expected_seq():
    return "".join(f"{i}\n" for i in range(1, OUTPUT_LINES + 1)).encode()


def upload_digest(n):
    pattern = bytes(i % 251 for i in range(251))
    data = (pattern * (n // 251 + 1))[:n]
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("cipher,mac", [
    ("chacha20-poly1305@openssh.com", None),
    ("aes256-gcm@openssh.com", None),
    ("aes128-ctr", "hmac-sha2-256"),
    ("aes256-ctr", "hmac-sha2-512-etm@openssh.com"),
])
def test_server_initiated_rekeys_during_output(sshd, cipher, mac):
    server = sshd(options=["RekeyLimit 256K"])
    args = ["--cipher", cipher] + (["--mac", mac] if mac else [])
    r = probe(server, *args, command=f"seq 1 {OUTPUT_LINES}", timeout=120)
    assert r.rc == 0, r
    assert r.stdout == expected_seq(), f"output differs ({len(r.stdout)} bytes): {r.stderr[-2000:]}"
    assert r.rekeys >= 5, r   # how many depends on what sshd had buffered under the old keys


def test_client_initiated_rekeys_during_output(sshd):
    server = sshd()
    r = probe(server, "--rekey-bytes", "262144", command=f"seq 1 {OUTPUT_LINES}", timeout=120)
    assert r.rc == 0, r
    assert r.stdout == expected_seq(), f"output differs ({len(r.stdout)} bytes)"
    assert r.rekeys >= 5, r   # how many depends on what sshd had buffered under the old keys


def test_rekeys_from_both_sides_during_upload(sshd):
    """Client data queued during every key exchange arrives whole: sshd's
    sha256sum of the stdin we sent matches."""
    n = 8 * H.MiB
    server = sshd(options=["RekeyLimit 512K"])
    r = probe(server, "--rekey-bytes", "300000", "--upload", str(n), command="sha256sum", timeout=120)
    assert r.rc == 0, r
    assert r.stdout.decode().split()[0] == upload_digest(n), r
    assert r.rekeys >= 5, r


# ------------------------------------------------------------------ bad peers


def test_no_common_cipher_names_both_lists(sshd):
    server = sshd(options=["Ciphers=aes128-ctr"])
    r = probe(server, "--cipher", "chacha20-poly1305@openssh.com")
    assert r.rc == 255, r
    assert ("no matching cipher (client to server): we offer chacha20-poly1305@openssh.com; "
            "the server offers aes128-ctr") in r.stderr, r
    # sshd saw the same mismatch in our KEXINIT (and closes before our DISCONNECT).
    assert H.wait_until(lambda: "no matching cipher found. Their offer: chacha20-poly1305@openssh.com"
                        in server.read_log(), 5), server.read_log()


class FakeSSHServer:
    """A TCP listener that answers the probe with canned bytes, then holds the
    connection open (until the test ends) so the probe's reaction is ours."""

    def __init__(self, lab, reply):
        import socket
        import threading
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.port = lab.ports.port()
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(1)
        self.conns = []
        self.received = b""

        def serve():
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            c.sendall(reply)
            c.settimeout(20)
            try:
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    self.received += b
            except OSError:
                pass
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()
        self.thread.join(5)


@pytest.fixture
def fake_server(lab):
    made = []

    def make(reply):
        f = FakeSSHServer(lab, reply)
        made.append(f)
        return f
    yield make
    for f in made:
        f.close()


def run_probe_at(port, timeout=5):
    cmd = [probe_path(), "--port", str(port), "--user", "u", "--password", "p", "--timeout", str(timeout)]
    return ProbeResult(subprocess.run(cmd, capture_output=True, timeout=timeout + 10))


@pytest.mark.parametrize("reply,message", [
    (b"HTTP/1.1 400 Bad Request\r\n" + b"x" * 400, "server identification line is longer than 255 bytes"),
    (b"SSH-1.5-ancient\r\n", "server speaks an unsupported protocol version: SSH-1.5-ancient"),
    (b"SSH-2.0-fake\r\n" + bytes([0x7f, 0xff, 0xff, 0xff]) + b"\0" * 16,
     "packet length 2147483647 is out of range"),
    (b"SSH-2.0-fake\r\n" + bytes([0, 0, 0, 12, 2]) + b"\0" * 11, "padding length 2 is invalid"),
])
def test_hostile_server_bytes_end_with_a_clear_reason(fake_server, reply, message):
    f = fake_server(reply)
    started = time.monotonic()
    r = run_probe_at(f.port)
    assert r.rc == 255 and message in r.stderr, r
    assert time.monotonic() - started < 4, "the error must not wait for the timeout"
    # The probe spoke first: identification line, then its KEXINIT.
    assert f.received.startswith(b"SSH-2.0-mod_proxy/0.9.3\r\n"), f.received[:80]


def test_a_stalled_key_exchange_is_bounded_by_the_callers_deadline(fake_server):
    f = fake_server(b"SSH-2.0-stalls-after-banner\r\n")
    started = time.monotonic()
    r = run_probe_at(f.port, timeout=2)
    assert r.rc == 255 and "timed out waiting for the server" in r.stderr, r
    assert 1.5 < time.monotonic() - started < 6
