"""The older SSH algorithms the spec lists, spoken by the backend SSH client
transport (Sources/ProxySSH) through `ssh-transport-probe`, one algorithm at
a time:

- against Debian's OpenSSH server (test_ssh_transport.py's sshd fixture),
  which still has SHA-1 DH, AES-CBC, 3DES and HMAC-SHA1/MD5 when told to;
- against a proftpd with mod_sftp restricted by SFTPCiphers, SFTPDigests and
  SFTPKeyExchanges, for what OpenSSH 9.2 no longer has (Blowfish, CAST5,
  arcfour, hmac-ripemd160, curve448).
"""
import os
import socket
import subprocess

import pytest

import harness as H
import pp_helpers as PP
from test_ssh_transport import ProbeResult, assert_echo_hi, probe, probe_path, ssh_user, sshd, upload_digest  # noqa: F401 (fixtures)

pytestmark = pytest.mark.swift_only

SHA1_KEX = ["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1"]
CBC = ["aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc"]
OLD_MACS = ["hmac-sha1", "hmac-sha1-96", "hmac-md5", "hmac-md5-96", "hmac-sha1-etm@openssh.com",
            "hmac-sha1-96-etm@openssh.com", "hmac-md5-etm@openssh.com", "hmac-md5-96-etm@openssh.com",
            "umac-64@openssh.com", "umac-128@openssh.com", "umac-64-etm@openssh.com", "umac-128-etm@openssh.com"]


@pytest.mark.parametrize("kex", SHA1_KEX)
def test_sha1_key_exchanges_with_openssh(sshd, kex):
    server = sshd(options=[f"KexAlgorithms={kex}"])
    r = probe(server, "--kex", kex)
    assert_echo_hi(r, kex)
    assert r.fact("negotiated").startswith(f"kex={kex} "), r


@pytest.mark.parametrize("cipher", CBC)
def test_cbc_ciphers_with_openssh(sshd, cipher):
    """Each CBC cipher with an encrypt-and-MAC and an ETM MAC; 20 KiB of
    output cross many CBC blocks and packets."""
    server = sshd(options=[f"Ciphers={cipher}"])
    for mac in ["hmac-sha2-256", "hmac-sha1-etm@openssh.com"]:
        r = probe(server, "--cipher", cipher, "--mac", mac, command="head -c 20000 /dev/zero | tr '\\0' x; exit 3")
        assert r.rc == 3 and r.stdout == b"x" * 20000, f"{cipher} {mac}: {r}"
        assert r.fact("negotiated").endswith(f"cipher={cipher} mac={mac}"), r


@pytest.mark.parametrize("mac", OLD_MACS)
def test_sha1_and_md5_macs_with_openssh(sshd, mac):
    server = sshd(options=["Ciphers=aes128-ctr", f"MACs={mac}"])
    r = probe(server, "--cipher", "aes128-ctr", "--mac", mac)
    assert_echo_hi(r, mac)
    assert r.fact("negotiated").endswith(f"cipher=aes128-ctr mac={mac}"), r


@pytest.mark.parametrize("mac", ["umac-64@openssh.com", "umac-128-etm@openssh.com"])
def test_umac_over_packets_of_every_size(sshd, mac):
    """UMAC's layers by packet size: one NH chunk (up to 1024 bytes), then
    the polynomial layer (32 KiB channel data packets), in both directions."""
    server = sshd(options=["Ciphers=aes128-ctr", f"MACs={mac}"])
    r = probe(server, "--cipher", "aes128-ctr", "--mac", mac, command="seq 1 300000", timeout=120)
    assert r.rc == 0 and r.stdout == "".join(f"{i}\n" for i in range(1, 300001)).encode(), r
    n = 3 * H.MiB + 1000
    r = probe(server, "--cipher", "aes128-ctr", "--mac", mac, "--upload", str(n), command="sha256sum", timeout=120)
    assert r.rc == 0 and r.stdout.decode().split()[0] == upload_digest(n), r
    assert r.fact("negotiated").endswith(f"mac={mac}"), r


def test_rekeys_under_a_cbc_cipher_and_a_truncated_mac(sshd):
    """Rekeys from both sides during an 8 MiB upload: CBC chaining and the
    -96 tag restart cleanly under each new key (sshd's checksum matches)."""
    n = 8 * H.MiB
    server = sshd(options=["Ciphers=aes256-cbc", "MACs=hmac-sha1-96", "RekeyLimit 512K"])
    r = probe(server, "--cipher", "aes256-cbc", "--mac", "hmac-sha1-96", "--rekey-bytes", "300000",
              "--upload", str(n), command="sha256sum", timeout=120)
    assert r.rc == 0, r
    assert r.stdout.decode().split()[0] == upload_digest(n), r
    assert r.rekeys >= 5, r


def test_a_cbc_cipher_sshd_does_not_offer_is_refused_naming_both_lists(sshd):
    server = sshd(options=["Ciphers=aes128-ctr"])
    r = probe(server, "--cipher", "3des-cbc")
    assert r.rc != 0 and r.rc != 3, r
    assert "no matching cipher (client to server): we offer 3des-cbc; the server offers aes128-ctr" in r.stderr, r


def test_ssh_rsa_sha1_host_key_signature_with_openssh(sshd):
    """The SHA-1 RSA signature (for old servers), only when asked for."""
    server = sshd(keys=("rsa-3072",), options=["HostKeyAlgorithms=ssh-rsa"])
    r = probe(server, "--hostkey", "ssh-rsa", "--expect-fingerprint", server.fingerprint("rsa-3072"))
    assert_echo_hi(r, "ssh-rsa")
    assert " hostkey=ssh-rsa " in r.fact("negotiated"), r
    # The default offer has no ssh-rsa: sshd restricted to it finds nothing in common.
    r = probe(server)
    assert r.rc == 255 and "no matching host key algorithm" in r.stderr, r


# ------------------------------------------------------------------ mod_sftp peer


@pytest.fixture
def sftp_server(lab):
    """A proftpd + mod_sftp server restricted to the given algorithms."""
    def start(ciphers="aes128-ctr", digests="hmac-sha2-256", kex="curve25519-sha256", more="", key=None):
        d = lab.mkdir(f"keys-{len(lab.daemons)}")
        key = key or PP.make_host_key(d)
        log = os.path.join(d, "sftp.log")
        extra = PP.sftp_block(key, log).replace(
            "</IfModule>", f"  SFTPCiphers {ciphers}\n  SFTPDigests {digests}\n"
                           f"  SFTPKeyExchanges {kex}\n{more}</IfModule>")
        b = lab.backend(start=False, modules=("mod_sftp.c",), extra=extra, name=f"sftpd-{len(lab.daemons)}")
        b.sftp_log = log
        b.start(wait=False)
        assert H.wait_until(lambda: _ssh_banner(b), 20), b.logs()
        return b
    return start


def _ssh_banner(server):
    try:
        with socket.create_connection((server.host, server.port), timeout=5) as s:
            return s.recv(64).startswith(b"SSH-2.0-")
    except OSError:
        return False


def probe_sftpd(server, *args):
    """mod_sftp runs no exec commands: the facts that matter are the
    negotiated algorithms and the accepted password, after which the probe's
    command is refused by the server."""
    cmd = [probe_path(), "--port", str(server.port), "--user", H.USER, "--password", H.PASSWORD,
           "--command", "true", "--timeout", "20"] + list(args)
    return ProbeResult(subprocess.run(cmd, capture_output=True, timeout=30))


def assert_logged_in(r, want, server):
    assert r.fact("negotiated") == want, f"{r}\n{server.logs()}"
    assert r.fact("userauth") == "password accepted", f"{r}\n{server.logs()}"


# No peer here for arcfour128/256 (OpenSSH 9.2 dropped them; Debian's
# mod_sftp cannot run RC4 under OpenSSL 3: "error ciphering discard data")
# nor for 3des-ctr/blowfish-ctr (neither server has them: "SFTPCiphers:
# unsupported cipher algorithm"); OlderAlgorithmTests checks them against
# OpenSSL's RC4 keystream and OpenSSL's own CTR mode.
@pytest.mark.parametrize("cipher", ["blowfish-cbc", "cast128-cbc", "aes128-cbc", "3des-cbc"])
def test_legacy_ciphers_with_mod_sftp(sftp_server, cipher):
    server = sftp_server(ciphers=cipher)
    r = probe_sftpd(server, "--cipher", cipher, "--mac", "hmac-sha2-256")
    assert_logged_in(r, f"kex=curve25519-sha256 hostkey=rsa-sha2-512 cipher={cipher} mac=hmac-sha2-256", server)


@pytest.mark.parametrize("mac", ["hmac-ripemd160", "hmac-md5-96", "hmac-sha1-96"])
def test_legacy_macs_with_mod_sftp(sftp_server, mac):
    server = sftp_server(digests=mac)
    r = probe_sftpd(server, "--cipher", "aes128-ctr", "--mac", mac)
    assert_logged_in(r, f"kex=curve25519-sha256 hostkey=rsa-sha2-512 cipher=aes128-ctr mac={mac}", server)


@pytest.mark.parametrize("kex", ["curve448-sha512", "diffie-hellman-group1-sha1", "rsa1024-sha1"])
def test_key_exchanges_only_mod_sftp_has(sftp_server, kex):
    server = sftp_server(kex=kex)
    r = probe_sftpd(server, "--kex", kex, "--cipher", "aes128-ctr", "--mac", "hmac-sha2-256")
    assert_logged_in(r, f"kex={kex} hostkey=rsa-sha2-512 cipher=aes128-ctr mac=hmac-sha2-256", server)


def test_none_cipher_and_mac_with_mod_sftp(sftp_server):
    """"none" is never offered by default; configured, it is spoken. mod_sftp
    then refuses passwords in the clear, which it can only do after reading
    our USERAUTH_REQUEST under the new (null) keys."""
    server = sftp_server(ciphers="none", digests="none")
    r = probe_sftpd(server, "--cipher", "none", "--mac", "none")
    assert r.fact("negotiated") == "kex=curve25519-sha256 hostkey=rsa-sha2-512 cipher=none mac=none", r
    assert r.rc == 255 and "(reason 14): No other authentication mechanisms available" in r.stderr, r
    with open(server.sftp_log) as f:
        log = f.read()
    assert "cipher algorithm 'none' or MAC algorithm 'none' unacceptable for password authentication" in log, log


# ------------------------------------------------------------------ compression


def test_delayed_compression_with_openssh(sshd):
    """sshd's `Compression yes` is zlib@openssh.com: it starts after the
    password is accepted; 10 MB of `seq` output and a 2 MiB upload go
    through the zlib streams intact, across rekeys."""
    server = sshd(options=["Compression=yes"])
    r = probe(server, "--compression", "delayed", "--rekey-bytes", "262144",
              command="seq 1 1500000", timeout=120)
    assert r.rc == 0, r
    assert r.stdout == "".join(f"{i}\n" for i in range(1, 1500001)).encode(), r
    assert r.fact("compression") == "zlib@openssh.com zlib@openssh.com", r
    n = 2 * H.MiB
    r = probe(server, "--compression", "delayed", "--upload", str(n), command="sha256sum", timeout=120)
    assert r.rc == 0 and r.stdout.decode().split()[0] == upload_digest(n), r


def test_compression_on_against_openssh_falls_back_to_none(sshd):
    """OpenSSH 9.2 has only the delayed form; `on` offers zlib, then none."""
    server = sshd(options=["Compression=yes"])
    r = probe(server, "--compression", "on")
    assert_echo_hi(r, "compression on")
    assert r.fact("compression") is None, r


def test_compression_off_is_none_even_when_the_server_offers_zlib(sshd):
    r = probe(sshd(options=["Compression=yes"]), "--compression", "off")
    assert_echo_hi(r, "compression off")
    assert r.fact("compression") is None, r


def test_zlib_from_newkeys_with_mod_sftp(sftp_server):
    """mod_sftp's SFTPCompression on speaks plain zlib: the user-auth
    exchange already runs through both zlib streams."""
    server = sftp_server(more="  SFTPCompression on\n")
    r = probe_sftpd(server, "--compression", "on")
    assert r.fact("compression") == "zlib zlib", f"{r}\n{server.logs()}"
    assert r.fact("userauth") == "password accepted", f"{r}\n{server.logs()}"


def test_ssh_dss_host_key_with_mod_sftp(sftp_server, lab):
    """A DSA host key (ssh-dss, SHA-1), only when asked for; its fingerprint
    as ssh-keygen prints it."""
    d = lab.mkdir("dsa")
    key = os.path.join(d, "ssh_host_dsa_key")
    subprocess.run(["ssh-keygen", "-q", "-m", "PEM", "-t", "dsa", "-N", "", "-f", key], check=True, capture_output=True)
    fp = H.run(["ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub"]).stdout.decode().split()[1]
    server = sftp_server(key=key)
    r = probe_sftpd(server, "--hostkey", "ssh-dss", "--expect-fingerprint", fp)
    assert_logged_in(r, "kex=curve25519-sha256 hostkey=ssh-dss cipher=aes128-ctr mac=hmac-sha2-256", server)
    assert r.fact("hostkey") == f"ssh-dss {fp}", r
