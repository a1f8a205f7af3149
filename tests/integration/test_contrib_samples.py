"""The sample configurations in contrib/ pass `proftpd -t` with the module
under test (with their paths pointed at a scratch directory)."""
import os
import subprocess

import pytest

import harness as H

CONTRIB = os.path.join(os.path.dirname(__file__), "..", "..", "contrib")


@pytest.mark.swift_only   # the samples use this build's extensions (e.g. ProxyProtocolVersion auto)
@pytest.mark.parametrize("sample", sorted(f for f in os.listdir(CONTRIB) if f.endswith(".conf")))
def test_sample_passes_the_config_check(lab, sample):
    d = lab.mkdir("sample")
    os.makedirs(os.path.join(d, "tables"))
    with open(os.path.join(CONTRIB, sample)) as f:
        text = f.read()
    text = (text.replace("/var/lib/proftpd/proxy", os.path.join(d, "tables"))
                .replace("/var/log/proftpd/", d + "/"))
    if "/etc/ssh/ssh_host_ed25519_key" in text:   # the SFTP sample's host key, made here
        key = os.path.join(d, "host_ed25519")
        H.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
        text = text.replace("/etc/ssh/ssh_host_ed25519_key", key)
    # The sample's text itself, not an Include: proftpd -t only warns about
    # an included file it cannot parse, and exits 0.
    conf = os.path.join(d, "proftpd.conf")
    with open(conf, "w") as f:
        f.write(f"ServerType standalone\nDefaultAddress 127.0.0.1\nPort {lab.ports.port()}\n"
                f"PidFile {d}/pid\nScoreboardFile {d}/scoreboard\nUseIPv6 off\n"
                f"ModulePath {lab.module_dir}\nLoadModule mod_tls.c\n" + text)
    r = subprocess.run([H.PROFTPD, "-t", "-c", conf], capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "fatal" not in out, out
    assert "parsed but not active" not in out, out


def test_a_broken_sample_would_fail(lab):
    """The check above can fail: a bad value in the same setup fails."""
    d = lab.mkdir("broken")
    conf = os.path.join(d, "proftpd.conf")
    with open(conf, "w") as f:
        f.write(f"ServerType standalone\nDefaultAddress 127.0.0.1\nPort {lab.ports.port()}\n"
                f"PidFile {d}/pid\nScoreboardFile {d}/scoreboard\nUseIPv6 off\n"
                f"ModulePath {lab.module_dir}\nLoadModule mod_proxy.c\n"
                "<IfModule mod_proxy.c>\n  ProxyForwardMethod bogus\n</IfModule>\n")
    r = subprocess.run([H.PROFTPD, "-t", "-c", conf], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "ProxyForwardMethod" in r.stdout + r.stderr
