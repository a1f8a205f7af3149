"""<Limit> sections of the proxy's own configuration apply to proxied
commands as on a plain ProFTPD: same reply, and the backend never sees a
denied command.

Each case runs the same commands against a plain proftpd configured with the
same <Limit> (no proxy) and through a proxy that has it; the backend behind
the proxy has no limits at all."""
import ftplib
import os

import pytest

import harness as H

pytestmark = pytest.mark.swift_only

# commands whose reply on a plain server does not depend on its files
SAME = ["RETR f.txt", "STOR up.txt", "APPE f.txt", "SIZE f.txt", "MDTM g.txt", "PWD", "MKD nd",
        "DELE g.txt", "RNFR f.txt", "NOOP", "HELP", "STAT", "TYPE A", "SYST", "MODE S"]
DATA = {"RETR", "STOR", "APPE", "LIST", "NLST", "MLSD"}


def _reply(f, command):
    try:
        if command.split()[0] in DATA:
            conn = f.transfercmd(command)
            if command.startswith(("STOR", "APPE")):
                conn.sendall(b"data\n")
            else:
                while conn.recv(65536):
                    pass
            conn.close()
            return f.voidresp()
        return f.sendcmd(command)
    except ftplib.all_errors as e:
        return str(e)


def _session(daemon, commands, server):
    """Replies of one session on daemon; `server` is the plain server that
    answers (its home and name are replaced, so two servers compare)."""
    f = H.connect(daemon)
    try:
        out = []
        for c in commands:
            r = _reply(f, c).replace(server.home, "~").replace(f"'it-{server.name}'", "'it'")
            # passive ports differ between two daemons
            out.append(f"{c} -> " + (r[:4] if r.startswith(("227", "229")) else r))
            if c.startswith("RNFR") and r.startswith("350"):
                f.sendcmd("RNTO f.txt")
        return out
    finally:
        H.bye(f)


def _setup(lab, limit):
    b = lab.backend()
    plain = lab.backend(name="plain", extra=limit)
    for d in (b, plain):
        d.put_file("f.txt", b"hello\n")
        os.utime(d.put_file("g.txt", b"x"), (1700000000, 1700000000))
    p = lab.proxy(b, outside=limit)
    return b, plain, p


def _backend_saw(b, word):
    """Command lines of the backend's ExtendedLog (ALL commands) naming word."""
    return [ln for ln in b.read("extended.log").splitlines() if ln.split(" ")[0] == word]


LIMITS = {
    "deny_all_commands": "<Limit RETR STOR APPE SIZE MDTM PWD MKD DELE RNFR NOOP HELP STAT TYPE SYST>\n  DenyAll\n</Limit>",
    "read_group": "<Limit READ>\n  DenyAll\n</Limit>",
    "write_group": "<Limit WRITE>\n  DenyAll\n</Limit>",
    "dirs_group": "<Limit DIRS>\n  DenyAll\n</Limit>",
    "all": "<Limit ALL>\n  DenyAll\n</Limit>",
    "deny_user": "<Limit READ WRITE>\n  DenyUser alice\n</Limit>",
    "allow_other_user": "<Limit RETR STOR>\n  AllowUser bob\n  DenyAll\n</Limit>",
    "allow_this_user": "<Limit RETR STOR>\n  AllowUser alice\n  DenyAll\n</Limit>",
}


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_limit_replies_as_plain_proftpd(lab, name):
    b, plain, p = _setup(lab, LIMITS[name])
    expected = _session(plain, SAME, plain)
    got = _session(p, SAME, b)
    assert got == expected
    denied = [c.split()[0] for c, r in zip(SAME, expected) if r.split(" -> ")[1].startswith("5")]
    for word in denied:
        # the proxy asks PWD once itself, for its TransferLog paths
        allowed = 1 if word == "PWD" else 0
        assert len(_backend_saw(b, word)) <= allowed, f"{word} reached the backend: {_backend_saw(b, word)}"


@pytest.mark.parametrize("command", ["LIST", "NLST", "MLSD"])
def test_denied_listing_never_reaches_the_backend(lab, command):
    b, plain, p = _setup(lab, f"<Limit {command}>\n  DenyAll\n</Limit>")
    f = H.connect(p)
    try:
        with pytest.raises(ftplib.error_perm) as ei:
            f.retrlines(command, lambda _: None)
        # A plain ProFTPD answers a denied listing from its file system
        # (an empty 226 list, 450 or "Unable to handle command"); the proxy
        # has none, so it answers as core does for other denied commands.
        assert str(ei.value) == f"550 {command}: Operation not permitted"
        assert f.sendcmd("NOOP").startswith("200")   # the session goes on
        assert len(H.lines_of(f, "LIST" if command != "LIST" else "NLST")) == 2
    finally:
        H.bye(f)
    assert not _backend_saw(b, command)


def test_dirs_limit_covers_listings_but_not_transfers(lab):
    b, plain, p = _setup(lab, "<Limit DIRS>\n  DenyUser alice\n</Limit>")
    f = H.connect(p)
    try:
        for command in ("LIST", "NLST", "MLSD"):
            with pytest.raises(ftplib.error_perm, match=f"^550 {command}: "):
                f.retrlines(command, lambda _: None)
        assert H.retr_bytes(f, "f.txt") == b"hello\n"
    finally:
        H.bye(f)


def test_groups_are_unknown_at_the_proxy(lab):
    """The backend authenticates, so the proxy does not know alice's groups:
    AllowGroup never matches (fail closed), where a plain server, which
    knows alice is in nogroup, allows."""
    limit = "<Limit RETR>\n  AllowGroup nogroup\n  DenyAll\n</Limit>"
    b, plain, p = _setup(lab, limit)
    assert _session(plain, ["RETR f.txt"], plain) == ["RETR f.txt -> 226 Transfer complete"]
    assert _session(p, ["RETR f.txt"], b) == ["RETR f.txt -> 550 f.txt: Operation not permitted"]
