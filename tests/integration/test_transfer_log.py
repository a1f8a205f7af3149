"""TransferLog (xferlog) and ExtendedLog lines of proxied transfers: every
field as the plain backend itself logs the same transfer (path, size,
ascii/binary, direction, user, completion)."""
import ftplib
import io
import time

import pytest

import harness as H

# the reference logs none of this as the backend does
pytestmark = pytest.mark.swift_only

FIELDS = 'LogFormat fields "%m|%f|%b|%r|%s|%u|%{transfer-type}|%{transfer-status}"'
TEXT = b"line one\nline two\n" * 500


def _xferlog(d):
    """xferlog lines without the date and the transfer time, split in fields."""
    return [ln.split()[6:] for ln in d.read("xferlog").splitlines() if ln.strip()]


def _fields(d):
    return [ln for ln in d.read("fields.log").splitlines() if ln.strip()]


def _lab(lab, backend_extra=""):
    b = lab.backend(extra=backend_extra + f"\n{FIELDS}\nExtendedLog {{}}/fields.log READ,WRITE fields\n".replace(
        "{}", lab.dir + "/backend"))
    b.put_file("a.txt", TEXT)
    p = lab.proxy(b, outside=f"{FIELDS}\nExtendedLog {lab.dir}/proxy/fields.log READ,WRITE fields\n")
    return b, p


def _transfers(p):
    f = H.connect(p)          # logs in, TYPE I
    try:
        assert H.retr_bytes(f, "a.txt") == TEXT
        f.voidcmd("TYPE A")
        lines = []
        f.retrlines("RETR a.txt", lines.append)
        f.storlines("STOR up-a.txt", io.BytesIO(b"x\ny\n"))
        f.storlines("APPE up-a.txt", io.BytesIO(b"z\n"))
        f.voidcmd("TYPE I")
        f.storbinary("STOR up-b.txt", io.BytesIO(b"x\r\ny\n"))
        with pytest.raises(ftplib.error_perm):
            f.retrbinary("RETR missing.txt", lambda _: None)
    finally:
        H.bye(f)


def _settle(*daemons):
    for d in daemons:
        d.wait_no_sessions(5)


def test_xferlog_fields_as_the_backend_logs_them(lab):
    b, p = _lab(lab)
    _transfers(p)
    _settle(p, b)
    backend_lines = _xferlog(b)
    assert [ln[3] for ln in backend_lines] == ["b", "a", "a", "a", "b"]       # the test sees both types
    assert _xferlog(p) == backend_lines
    assert [ln.split("|")[2] for ln in _fields(b)][:2] == [str(len(TEXT))] * 2


def test_extended_log_fields_as_the_backend_logs_them(lab):
    b, p = _lab(lab)
    _transfers(p)
    _settle(p, b)
    proxied, plain = _fields(p), _fields(b)
    assert len(proxied) == len(plain) == 6
    # the failed RETR: a plain server knows no file; the proxy logs the name asked for
    assert proxied[:5] == plain[:5]
    assert proxied[5].split("|")[3:] == plain[5].split("|")[3:]


def test_xferlog_of_a_chrooted_backend_shows_the_path_the_client_sees(lab):
    b, p = _lab(lab, backend_extra="DefaultRoot ~")
    f = H.connect(p)
    try:
        f.voidcmd("TYPE A")
        f.retrlines("RETR a.txt", lambda _: None)
    finally:
        H.bye(f)
    _settle(p, b)
    (line,) = _xferlog(p)
    assert line[1:] == [str(len(TEXT)), "/a.txt", "a", "_", "o", "r", H.USER, "ftp", "0", "*", "c"]


def test_xferlog_after_cwd_names_the_new_directory(lab):
    b, p = _lab(lab)
    b.put_file("sub/s.txt", b"sub\n")
    f = H.connect(p)
    try:
        assert H.retr_bytes(f, "a.txt") == TEXT
        f.cwd("sub")
        assert H.retr_bytes(f, "s.txt") == b"sub\n"
    finally:
        H.bye(f)
    _settle(p, b)
    assert [ln[2] for ln in _xferlog(p)] == [b.home_path("a.txt"), b.home_path("sub/s.txt")]
    assert _xferlog(p) == _xferlog(b)


def test_aborted_download_is_logged_incomplete(lab):
    b = lab.backend()
    b.put_file("big.bin", b"\0" * (64 * H.MiB))
    p = lab.proxy(b)
    f = H.connect(p)
    try:
        conn = f.transfercmd("RETR big.bin")
        conn.recv(65536)
        replies = H.abort_transfer(f, conn)
        assert replies[-1].startswith("226"), replies
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)
    _settle(p, b)
    (line,) = _xferlog(p)
    assert line[2] == b.home_path("big.bin") and line[3:6] == ["b", "_", "o"] and line[-1] == "i", line
    assert int(line[1]) < 64 * H.MiB
