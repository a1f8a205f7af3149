"""Nothing depends on the machine's host name resolving (containers often
have a name that no resolver knows): install.sh's load check, and real
backend and proxy daemons, run in a UTS namespace whose host name does not
resolve. Without a fixed DefaultAddress, proftpd says "unable to determine IP
address of '<host>'" and "no valid servers configured"."""
import os
import secrets
import socket
import subprocess
import tempfile
import shutil

import pytest

import harness as H

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="module")
def bogus_hostname():
    name = f"no-such-host-{secrets.token_hex(4)}.invalid"
    try:
        socket.getaddrinfo(name, None)
        pytest.skip(f"{name} resolves here (/etc/hosts or DNS maps it)")
    except socket.gaierror:
        pass
    r = subprocess.run(H.in_uts_namespace(name) + ["hostname"], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"no UTS namespace here: {r.stderr.strip()}")
    assert r.stdout.strip() == name
    return name


def _scratch_of(so_path):
    """The SwiftPM scratch directory MOD_PROXY_SO was built in, or None."""
    scratch = os.path.dirname(os.path.dirname(so_path))
    if os.path.basename(so_path) == "libModProxySwift.so" and os.path.isdir(os.path.join(scratch, "release")):
        return scratch
    return None


def test_install_sh_load_check_without_resolvable_hostname(suite, bogus_hostname):
    scratch = _scratch_of(suite.module_so)
    if scratch is None:
        pytest.skip(f"MOD_PROXY_SO={suite.module_so} is not a SwiftPM release build of this module")
    dest = tempfile.mkdtemp(prefix="destdir-", dir=suite.root)
    try:
        env = dict(os.environ, DESTDIR=dest, SWIFT_SCRATCH_PATH=scratch)
        r = subprocess.run(H.in_uts_namespace(bogus_hostname) + ["./install.sh"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=1800)
        out = r.stdout + r.stderr
        assert r.returncode == 0, out[-6000:]
        assert out.count("load check passed") == 2, out[-6000:]
        assert "unable to determine IP address" not in out, out[-6000:]
        moddir = [d for d, _, files in os.walk(dest) if "mod_proxy.so" in files]
        assert moddir and os.path.islink(os.path.join(moddir[0], "mod_proxy_protocol.so")), out[-3000:]
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def test_proxy_and_backend_run_without_resolvable_hostname(lab, bogus_hostname):
    b = lab.backend(start=False)
    b.launcher = H.in_uts_namespace(bogus_hostname)
    b.start()
    p = lab.proxy(b, start=False)
    p.launcher = H.in_uts_namespace(bogus_hostname)
    p.start()
    data = os.urandom(300_000)
    b.put_file("hostname.bin", data)
    f = H.connect(p)
    try:
        assert H.retr_bytes(f, "hostname.bin") == data
        assert "hostname.bin" in f.nlst()
    finally:
        H.bye(f)
    # the daemons really ran under that name (proftpd logs its host name;
    # in the foreground, -n, to stderr)
    for d in (b, p):
        assert os.readlink(f"/proc/{d.pid}/ns/uts") != os.readlink("/proc/self/ns/uts")
        assert bogus_hostname in d.read("stderr.log"), d.logs()
