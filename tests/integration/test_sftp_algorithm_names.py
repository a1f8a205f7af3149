"""Every algorithm name of the spec's ProxySFTPCiphers, ProxySFTPDigests and
ProxySFTPKeyExchanges lists (upstream's mod_proxy.html, and the older names
of its crypto tables) at `proftpd -t`: the names the transport speaks are
accepted, each one alone and all together; the others fail naming the
directive and the name. Where each accepted name is spoken with a real peer
(or, for those no peer here speaks, checked against OpenSSL in unit tests):
see the README's "The backend SSH client transport" row."""
import pytest

pytestmark = pytest.mark.swift_only

CIPHERS = [
    "chacha20-poly1305@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr", "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com", "aes256-cbc", "aes192-cbc", "aes128-cbc", "blowfish-ctr", "blowfish-cbc",
    "cast128-cbc", "arcfour256", "arcfour128", "3des-ctr", "3des-cbc", "none",
]
DIGESTS = [
    "hmac-sha2-256", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512", "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1", "hmac-sha1-etm@openssh.com", "hmac-sha1-96", "hmac-sha1-96-etm@openssh.com",
    "umac-64@openssh.com", "umac-64-etm@openssh.com", "umac-128@openssh.com", "umac-128-etm@openssh.com",
    "hmac-md5", "hmac-md5-etm@openssh.com", "hmac-md5-96", "hmac-md5-96-etm@openssh.com", "hmac-ripemd160", "none",
]
KEY_EXCHANGES = [
    "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "curve448-sha512",
    "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp521", "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp256", "diffie-hellman-group18-sha512", "diffie-hellman-group16-sha512",
    "diffie-hellman-group14-sha256", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1", "rsa1024-sha1",
]
# OpenSSL 3.0 has neither ML-KEM nor NTRU Prime.
NOT_IMPLEMENTED = {"mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"}

LISTS = {"ProxySFTPCiphers": CIPHERS, "ProxySFTPDigests": DIGESTS, "ProxySFTPKeyExchanges": KEY_EXCHANGES}
CASES = [(directive, name) for directive, names in LISTS.items() for name in names]


def _check(lab, line, name):
    p = lab.proxy(["sftp://127.0.0.1:22"], start=False, name=name, extra="  " + line)
    r = p.check_syntax()
    return r.returncode, r.stdout + r.stderr


@pytest.mark.parametrize("directive", sorted(LISTS))
def test_every_implemented_name_together(lab, directive):
    names = [n for n in LISTS[directive] if n not in NOT_IMPLEMENTED]
    rc, out = _check(lab, f"{directive} {' '.join(names)}", "all-" + directive)
    assert rc == 0, out
    assert directive not in out, out


@pytest.mark.parametrize("directive,name", CASES, ids=[f"{d}-{n}" for d, n in CASES])
def test_each_name_alone(lab, directive, name):
    rc, out = _check(lab, f"{directive} {name}", "one")
    if name in NOT_IMPLEMENTED:
        assert rc != 0, out
        named = [ln for ln in out.splitlines() if directive in ln and name in ln]
        assert named and "not implemented yet" in named[0], out
    else:
        assert rc == 0, out
