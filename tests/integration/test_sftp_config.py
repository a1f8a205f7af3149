"""ProxySFTP* directives: `proftpd -t` refuses bad values naming the directive,
and accepts every value the module can honour (issue 11, slice 1)."""
import os
import subprocess

import pytest


def _keypair(lab, name, mode):
    path = os.path.join(lab.dir, name)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True)
    os.chmod(path, mode)
    return path


def _check(lab, extra, name):
    p = lab.proxy(["sftp://127.0.0.1:22"], start=False, name=name, extra=extra)
    r = p.check_syntax()
    return r.returncode, r.stdout + r.stderr


BAD = {
    # names outside the spec's lists
    "cipher-unknown": ("ProxySFTPCiphers", "ProxySFTPCiphers rot13", "unsupported cipher"),
    "digest-case": ("ProxySFTPDigests", "ProxySFTPDigests HMAC-SHA2-256", "unsupported digest"),
    "kex-unknown": ("ProxySFTPKeyExchanges", "ProxySFTPKeyExchanges diffie-hellman-group2-sha1", "unsupported key"),
    # names of the spec's lists that the transport does not speak (yet)
    "kex-mlkem": ("ProxySFTPKeyExchanges", "ProxySFTPKeyExchanges curve25519-sha256 mlkem768x25519-sha256",
                  "not implemented yet"),
    "kex-sntrup": ("ProxySFTPKeyExchanges", "ProxySFTPKeyExchanges sntrup761x25519-sha512@openssh.com", "not implemented yet"),
    "kex-twice": ("ProxySFTPKeyExchanges", "ProxySFTPKeyExchanges curve25519-sha256 curve25519-sha256", "twice"),
    "compression-garbage": ("ProxySFTPCompression", "ProxySFTPCompression zlib", "unknown compression"),
    "options-unknown": ("ProxySFTPOptions", "ProxySFTPOptions Turbo", "Turbo"),
    "server-match-regex": ("ProxySFTPServerMatch", "ProxySFTPServerMatch \"OpenSSH_(\" pessimisticNewkeys on",
                           "regex"),
    "server-match-key": ("ProxySFTPServerMatch", "ProxySFTPServerMatch ^OpenSSH fastNewkeys on", "fastNewkeys"),
    "server-match-value": ("ProxySFTPServerMatch", "ProxySFTPServerMatch ^OpenSSH pessimisticNewkeys maybe",
                           "maybe"),
    "server-alive": ("ProxySFTPServerAlive", "ProxySFTPServerAlive 3 soon", "soon"),
    "verify-server": ("ProxySFTPVerifyServer", "ProxySFTPVerifyServer perhaps", "perhaps"),
    "host-key-relative": ("ProxySFTPHostKey", "ProxySFTPHostKey ssh_host_ed25519_key", "ssh_host_ed25519_key"),
    "host-key-missing": ("ProxySFTPHostKey", "ProxySFTPHostKey /nonexistent/ssh_host_ed25519_key", "nonexistent"),
    "host-key-agent-empty": ("ProxySFTPHostKey", "ProxySFTPHostKey agent:", "agent"),
    "passphrase-relative": ("ProxySFTPPassPhraseProvider", "ProxySFTPPassPhraseProvider get-pass", "get-pass"),
}


@pytest.mark.swift_only
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sftp_directive_fails_config_check(lab, case):
    directive, line, why = BAD[case]
    rc, out = _check(lab, "  " + line, "p-" + case)
    assert rc != 0, f"proftpd -t accepted {line!r}:\n{out}"
    named = [ln for ln in out.splitlines() if directive in ln]
    assert named, out
    assert any(why in ln for ln in named), out


@pytest.mark.swift_only
def test_world_readable_host_key_is_refused(lab):
    key = _keypair(lab, "open_key", 0o644)
    rc, out = _check(lab, f"  ProxySFTPHostKey {key}", "p-open")
    assert rc != 0, out
    assert any("ProxySFTPHostKey" in ln and key in ln for ln in out.splitlines()), out


@pytest.mark.swift_only
def test_every_implemented_value_passes_check(lab):
    """The control for the cases above: each setting the module can honour is accepted.
    (Debian's C module refuses chacha20-poly1305@openssh.com at config time.)"""
    key = _keypair(lab, "good_key", 0o600)
    extra = "\n".join("  " + ln for ln in [
        "ProxySFTPCiphers chacha20-poly1305@openssh.com aes256-gcm@openssh.com aes128-gcm@openssh.com"
        " aes256-ctr aes192-ctr aes128-ctr",
        "ProxySFTPDigests hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha2-256 hmac-sha2-512",
        "ProxySFTPKeyExchanges curve25519-sha256 curve25519-sha256@libssh.org ecdh-sha2-nistp256"
        " ecdh-sha2-nistp384 ecdh-sha2-nistp521 diffie-hellman-group14-sha256 diffie-hellman-group16-sha512"
        " diffie-hellman-group18-sha512 diffie-hellman-group-exchange-sha256",
        "ProxySFTPCompression off",
        "ProxySFTPOptions NoStrictKex PessimisticKexinit",
        "ProxySFTPServerMatch ^OpenSSH_9 pessimisticNewkeys on",
        "ProxySFTPServerAlive 3 15",
        "ProxySFTPVerifyServer on",
        f"ProxySFTPHostKey {key}",
    ])
    rc, out = _check(lab, extra, "p-good")
    assert rc == 0, out
    assert "not active yet" not in out, out


@pytest.mark.swift_only
@pytest.mark.parametrize("value", ["on", "off", "delayed", "yes", "no"])
def test_every_compression_value_passes_check(lab, value):
    rc, out = _check(lab, f"  ProxySFTPCompression {value}", "p-comp-" + value)
    assert rc == 0, out
    assert "ProxySFTPCompression" not in out, out


@pytest.mark.swift_only
@pytest.mark.parametrize("options", ["PessimisticKexinit", "OldProtocolCompat", "AllowWeakDH NoHostkeyRotation"],
                         ids=["pessimistic-kexinit", "old-protocol-compat", "weak-dh-no-rotation"])
def test_sftp_options_are_active(lab, options):
    rc, out = _check(lab, f"  ProxySFTPOptions {options}\n  ProxySFTPServerMatch ^mod_sftp pessimisticNewkeys off",
                     "p-opt-" + options.split()[0])
    assert rc == 0, out
    assert "not active yet" not in out, out


def _sftp_frontend(lab, name, auth_order):
    key = _keypair(lab, name + "_hostkey", 0o600)
    order = f"AuthOrder {auth_order}\n" if auth_order else ""
    return f"LoadModule mod_sftp.c\n{order}<IfModule mod_sftp.c>\n  SFTPEngine on\n  SFTPHostKey {key}\n</IfModule>\n"


def _ssh_check(lab, name, auth_order, extra="", policy="RoundRobin"):
    """proftpd -t of a proxy with mod_sftp in front: (return code, output lines)."""
    p = lab.proxy(["sftp://127.0.0.1:22"], start=False, name=name,
                  outside=_sftp_frontend(lab, name, auth_order), extra=extra, policy=policy)
    r = p.check_syntax()
    return r.returncode, (r.stdout + r.stderr).splitlines()


@pytest.mark.swift_only
@pytest.mark.parametrize("auth_order", [None, "mod_auth_unix.c mod_proxy.c", "mod_auth_file.c"],
                         ids=["none", "proxy-second", "file-only"])
def test_ssh_frontend_needs_mod_proxy_first_in_auth_order(lab, auth_order):
    """The backend decides SSH passwords only when mod_proxy.c answers first."""
    rc, lines = _ssh_check(lab, "p-order-" + str(abs(hash(auth_order)) % 1000), auth_order)
    assert rc != 0, lines
    assert any("AuthOrder" in ln and "mod_proxy.c first" in ln for ln in lines), lines


@pytest.mark.swift_only
@pytest.mark.parametrize("case", ["no-host-key", "ok", "per-group-ok"])
def test_ssh_frontend_with_use_reverse_proxy_auth(lab, case):
    """UseReverseProxyAuth: the proxy's own auth modules decide (any AuthOrder),
    and the backend login is hostbased, so a ProxySFTPHostKey is required."""
    key = _keypair(lab, "proxy_key_" + case, 0o600)
    extra = "  ProxyOptions UseReverseProxyAuth\n"
    if case != "no-host-key":
        extra += f"  ProxySFTPHostKey {key}\n"
    rc, lines = _ssh_check(lab, "p-rpa-" + case, "mod_auth_file.c", extra=extra,
                           policy="PerGroup" if case == "per-group-ok" else "RoundRobin")
    if case != "no-host-key":
        assert rc == 0, lines
        assert not any("not active yet" in ln for ln in lines), lines
    else:
        assert rc != 0, lines
        assert any("ProxySFTPHostKey" in ln and "SSH" in ln for ln in lines), lines


@pytest.mark.swift_only
def test_ssh_frontend_with_mod_proxy_first_passes_check(lab):
    rc, lines = _ssh_check(lab, "p-ok", "mod_proxy.c mod_auth_unix.c")
    assert rc == 0, lines
