"""ProxyDirectoryListPolicy LIST [UseSlink]: a client's MLSD is served from
the backend's LIST, translated by the proxy. Real proftpd backends (facts
compared with the files themselves and with the backend's own MLSD),
scripted hostile backends (odd lines skipped and logged, the session goes
on)."""
import calendar
import os
import socket
import ssl
import ftplib
import threading
import time

import pytest

import harness as H
from test_hostile_peers import LOGIN, ScriptedBackend, _client, _log_in, _proxy_for, _send

# Upstream's C module has this policy too, but it words the 1xx as for LIST,
# loses symlinks whose names hold spaces, and advertises `unique`: these
# tests check this module's promises.
pytestmark = pytest.mark.swift_only

OLD = calendar.timegm((2010, 1, 1, 12, 34, 0))
LIST_POLICY = "  ProxyDirectoryListPolicy LIST"
SLINK_POLICY = "  ProxyDirectoryListPolicy LIST UseSlink"


def _populate(b, d="tree"):
    """A directory with files, subdirectories, a symlink, a hidden file and
    names with spaces; returns {name: (kind, size)} of what is in it."""
    b.mkdir(d)
    recent = time.time() - 3 * 86400
    future = time.time() + 40 * 86400     # ProFTPD lists it with a time, not a year
    files = {"plain.txt": 1234, "with space name.txt": 5, ".hidden": 0, "recent.bin": 77, "future.txt": 9}
    mtimes = {"recent.bin": recent, "future.txt": future}
    for n, size in files.items():
        p = b.put_file(f"{d}/{n}", os.urandom(size))
        os.utime(p, (mtimes.get(n, OLD),) * 2)
    for sub in ("sub", "sub dir"):
        b.mkdir(f"{d}/{sub}")
    os.symlink("plain.txt", b.home_path(d, "link to plain"))
    os.lchown(b.home_path(d, "link to plain"), H.NOBODY_UID, H.NOBODY_GID)
    return d


def _facts(lines):
    """{name: {fact (lower case): value}} of MLSD lines."""
    out = {}
    for ln in lines:
        facts, _, name = ln.partition(" ")
        out[name] = {k.lower(): v for k, _, v in (f.partition("=") for f in facts.split(";") if f)}
    return out


def _mlsd(f, path):
    return _facts(H.lines_of(f, f"MLSD {path}"))


def _expected_modify(path):
    """What the LIST line says of the file's mtime: minutes for recent
    files, the day for old ones (ls shows the year then), in UTC."""
    t = int(os.lstat(path).st_mtime)
    if time.time() - t > 180 * 86400:
        return time.strftime("%Y%m%d000000", time.gmtime(t))
    return time.strftime("%Y%m%d%H%M00", time.gmtime(t))


def _check_against_files(b, d, got, direct, slink):
    assert set(got) == set(direct), (sorted(got), sorted(direct))
    assert set(got) == {".", "..", "plain.txt", "with space name.txt", ".hidden", "recent.bin",
                        "future.txt", "sub", "sub dir", "link to plain"}
    assert got["."]["type"] == "cdir" and got[".."]["type"] == "pdir"
    for n in ("plain.txt", "with space name.txt", ".hidden", "recent.bin", "future.txt"):
        st = os.stat(b.home_path(d, n))
        assert got[n]["type"] == "file", got[n]
        assert int(got[n]["size"]) == st.st_size
        assert got[n]["modify"] == _expected_modify(b.home_path(d, n)), (n, got[n])
        assert got[n]["unix.mode"] == direct[n]["unix.mode"] == "0644"
        assert got[n]["unix.ownername"] == direct[n]["unix.ownername"]
        assert got[n]["unix.groupname"] == direct[n]["unix.groupname"]
        assert set(got[n]["perm"]) == set("adfrw")
    assert got["plain.txt"]["modify"] == "20100101000000"
    for n in ("sub", "sub dir"):
        assert got[n]["type"] == "dir" and "size" not in got[n]
        assert got[n]["unix.mode"] == "0755"
    link = got["link to plain"]
    assert link["type"] == ("OS.unix=slink:plain.txt" if slink else "OS.unix=symlink"), link
    assert "unique" not in got["plain.txt"]      # a listing names no inode


@pytest.mark.parametrize("mode", ["PASV", "PORT"])
@pytest.mark.parametrize("slink", [False, True], ids=["LIST", "LIST-UseSlink"])
def test_mlsd_is_served_from_list(lab, mode, slink):
    b = lab.backend()
    d = _populate(b)
    p = lab.proxy(b, extra=SLINK_POLICY if slink else LIST_POLICY)
    via, direct = H.connect(p, mode=mode), H.connect(b, mode=mode)
    try:
        got = _mlsd(via, d)
        # reply texts as a plain ProFTPD gives them for MLSD
        assert via.replies[-2:] == ["150 Opening ASCII mode data connection for MLSD", "226 Transfer complete"]
        want = _mlsd(direct, d)
        _check_against_files(b, d, got, want, slink)
        # the current directory, no argument
        via.cwd(d)
        assert set(_facts(H.lines_of(via, "MLSD"))) == set(got)
        assert via.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(via)
        H.bye(direct)
    # the backend was asked for LIST, never for MLSD
    commands = [ln.split(" ", 1)[0] for ln in b.read("extended.log").splitlines()]
    assert "LIST" in commands and "MLSD" not in commands[:commands.index("LIST") + 2], commands
    assert "entries translated from" in p.read("proxy.log")
    assert "not active yet" not in p.read("system.log") + p.read("stderr.log")


def test_mlsd_over_ftps_frontend(lab):
    cert = H.make_self_signed_cert(os.path.join(lab.dir, "cert"))
    b = lab.backend()
    d = _populate(b)
    tls = f"""<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired on
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile {cert[0]}
  TLSRSACertificateKeyFile {cert[1]}
  TLSOptions NoSessionReuseRequired
  TLSLog {lab.dir}/proxy-tls.log
</IfModule>"""
    p = lab.proxy(b, outside=tls, extra=LIST_POLICY)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    f = ftplib.FTP_TLS(context=ctx, timeout=30)
    f.connect(p.host, p.port)
    direct = H.connect(b)
    try:
        f.auth()
        f.login(H.USER, H.PASSWORD)
        f.prot_p()
        lines = []
        f.retrlines(f"MLSD {d}", lines.append)
        _check_against_files(b, d, _facts(lines), _mlsd(direct, d), slink=False)
    finally:
        H.bye(f)
        H.bye(direct)


def test_missing_directory_gives_the_backend_error(lab):
    b = lab.backend()
    d = _populate(b)
    p = lab.proxy(b, extra=LIST_POLICY)
    f = H.connect(p)
    try:
        with pytest.raises((ftplib.error_temp, ftplib.error_perm)) as err:
            H.lines_of(f, "MLSD no-such-dir")
        assert str(err.value)[:3] in ("450", "550") and "No such file or directory" in str(err.value)
        # the session goes on: the next listing works
        assert "plain.txt" in _mlsd(f, d)
        assert f.sendcmd("NOOP").startswith("200")
    finally:
        H.bye(f)


@pytest.mark.parametrize("show", [False, True], ids=["own-features", "ShowFeatures"])
def test_feat_advertises_the_translated_facts(lab, show):
    b = lab.backend()
    d = _populate(b)
    extra = LIST_POLICY + ("\n  ProxyOptions ShowFeatures" if show else "")
    p = lab.proxy(b, extra=extra)
    f = H.connect(p)
    try:
        feat = f.sendcmd("FEAT").splitlines()
        mlst = [ln.strip() for ln in feat if ln.strip().upper().startswith("MLST")]
        assert mlst == ["MLST modify*;perm*;size*;type*;UNIX.group*;UNIX.groupname*;UNIX.mode*;"
                        "UNIX.owner*;UNIX.ownername*;"], feat
        assert feat[0] == "211-Features:" and feat[-1] == "211 End"
        assert any(ln.strip() == "EPSV" for ln in feat), feat
        # OPTS MLST chooses the facts of the next listings
        assert f.sendcmd("OPTS MLST type;size;") == "200 MLST OPTS size;type;"
        got = _mlsd(f, d)
        assert got["plain.txt"] == {"size": "1234", "type": "file"}
        assert got["sub"] == {"type": "dir"}
        feat = f.sendcmd("FEAT")
        assert "MLST modify;perm;size*;type*;" in feat, feat
    finally:
        H.bye(f)


def test_lftp_lists_through_the_translation(lab, tmp_path):
    b = lab.backend()
    d = _populate(b)
    p = lab.proxy(b, extra=LIST_POLICY)
    script = ("set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 15; set cmd:fail-exit yes; "
              "set ftp:use-mlsd yes; "
              f"open -u {H.USER},{H.PASSWORD} -p {p.port} {p.host}; cls -l --sort=name {d}; bye")
    r = H.run(["lftp", "-c", script], timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    out = r.stdout.decode(errors="replace")
    for n in ("plain.txt", "with space name.txt", "sub dir/", "link to plain"):
        assert n in out, out
    commands = [ln.split(" ", 1)[0] for ln in b.read("extended.log").splitlines()]
    assert "LIST" in commands and "MLSD" not in commands, commands
    # lftp asked for MLSD (it was translated), not LIST
    assert "entries translated from" in p.read("proxy.log")


# ------------------------------------------------------------- hostile backends

def _listing_script(listing_bytes, after=b"226 Transfer complete\r\n", hold=False):
    """LOGIN, then PASV (a data listener of our own), LIST (150, the given
    bytes on the data connection, `after`), then NOOP. With `hold`, the
    data connection stays open after the bytes: until ABOR ("abor"), or
    until the proxy closes it ("stall")."""
    state = {}

    def pasv(conn):
        lst = socket.create_server(("127.0.0.1", 0))
        lst.settimeout(15)
        state["listener"] = lst
        port = lst.getsockname()[1]
        conn.sendall(f"227 Entering Passive Mode (127,0,0,1,{port >> 8},{port & 255})\r\n".encode())

    def list_(conn):
        conn.sendall(b"150 Opening ASCII mode data connection for file list\r\n")
        data, _ = state["listener"].accept()
        try:
            data.sendall(listing_bytes)
        except OSError:
            pass
        if hold == "abor":
            state["held"] = data     # neither more bytes nor an end, until ABOR
            return
        if hold == "stall":
            # no more bytes; a real server reports the closed data connection
            data.settimeout(60)
            try:
                while data.recv(4096):
                    pass
            except OSError:
                pass
            data.close()
            state["listener"].close()
            conn.sendall(b"426 Transfer aborted: data connection closed\r\n")
            return
        data.close()
        state["listener"].close()
        conn.sendall(after)

    tail = [(b"NOOP", b"200 still here\r\n", False)]
    if hold == "abor":
        tail = [(b"ABOR", b"426 Transfer aborted\r\n226 Abort successful\r\n", False)] + tail
    return LOGIN + [(b"PASV", pasv, False), (b"LIST -AL", list_, False)] + tail


def _client_mlsd(s, fp):
    """PASV + MLSD over a raw control socket; (data bytes, 1xx, final reply)."""
    code, text = _send(s, fp, "PASV")
    assert code == "227", text
    nums = text[text.index("(") + 1:text.index(")")].split(",")
    data = socket.create_connection((".".join(nums[:4]), int(nums[4]) * 256 + int(nums[5])), timeout=20)
    s.sendall(b"MLSD\r\n")
    mark = H.raw_reply(fp)
    chunks = []
    while True:
        try:
            c = data.recv(65536)
        except ConnectionResetError:    # a refused transfer's abortive close
            break
        if not c:
            break
        chunks.append(c)
    data.close()
    return b"".join(chunks), mark, H.raw_reply(fp)


HOSTILE = (b"total 12\r\n"
           b"-rw-r--r--   1 ftp      ftp           100 Jan  1  2020 good one\r\n"
           b"complete junk\r\n"
           b"-rw-r--r--   1 ftp      ftp           100 Feb 30  2020 feb30\r\n"
           b"-rw-r--r--   1 ftp      ftp           100 Jan  1  2020 nul\x00byte\r\n"
           b"-rw-r--r--   1 ftp      ftp  999999999999999999999999 Jan  1  2020 overflow\r\n"
           b"-rw-r--r--   1 ftp      ftp           100 Jan\r\n"
           b"-rw-r--r--   1 ftp      ftp           100 Jan  1  2020 " + b"x" * 100000 + b"\r\n"
           b"\xff\xfe\xfd garbage bytes\r\n"
           b"12-04-25  05:35PM       <DIR>          windows dir\r\n"
           b"drwxr-xr-x   2 ftp      ftp          4096 Mar  3  2021 good dir\r\n"
           b"-rw-r--r--   1 ftp      ftp             7 Mar  3  2021 unterminated last")


def test_hostile_listing_lines_are_skipped_and_logged(lab):
    backend = ScriptedBackend(lab, _listing_script(HOSTILE))
    p = _proxy_for(lab, backend, extra=LIST_POLICY)
    s, fp = _client(p)
    try:
        _log_in(s, fp)
        data, mark, final = _client_mlsd(s, fp)
        assert mark[0] == "150" and final[0] == "226", (mark, final)
        got = _facts(data.decode().split("\r\n")[:-1])
        assert set(got) == {"good one", "windows dir", "good dir", "unterminated last"}, got
        assert got["good one"]["size"] == "100" and got["good one"]["modify"] == "20200101000000"
        assert got["windows dir"] == {"modify": "20251204173500", "type": "dir"}
        code, text = _send(s, fp, "NOOP")
        assert code == "200" and "still here" in text, text
    finally:
        s.close()
        backend.close()
    log = p.read("proxy.log")
    for reason in ("line 3: malformed permissions", "unknown file type", "impossible date 'Feb 30 2020'", "NUL byte in line",
                   "size out of range", "no size followed by a date", "exceeds the limit of 8192"):
        assert reason in log, (reason, log)
    assert "4 entries translated" in log, log
    assert not p.crash_reports()


def test_oversized_listing_is_refused_clearly(lab):
    line = b"-rw-r--r--   1 ftp      ftp           100 Jan  1  2020 " + b"n" * 60 + b"\r\n"
    backend = ScriptedBackend(lab, _listing_script(line * (9 * H.MiB // len(line) + 1)))
    p = _proxy_for(lab, backend, extra=LIST_POLICY)
    s, fp = _client(p)
    try:
        _log_in(s, fp)
        data, mark, final = _client_mlsd(s, fp)
        assert mark[0] == "150" and final[0] == "426", final
        assert "backend directory listing larger than 8 MiB" in final[1], final
        assert data == b""
        code, text = _send(s, fp, "NOOP")
        assert code == "200", text
    finally:
        s.close()
        backend.close()
    assert "exceeds 8388608 bytes" in p.read("proxy.log")


PARTIAL = b"-rw-r--r--   1 ftp      ftp           100 Jan  1  2020 first\r\n-rw-r--r--   1 ftp"


def test_stalled_backend_listing_ends_the_session_as_timeout_stalled_does(lab):
    """A backend that sends half a listing and then neither data nor an end:
    TimeoutStalled ends the session as it does on a plain server (no reply,
    the connection closed), promptly."""
    backend = ScriptedBackend(lab, _listing_script(PARTIAL, hold="stall"))
    p = _proxy_for(lab, backend, extra=LIST_POLICY,
                   timeouts=H.DEFAULT_TIMEOUTS.replace("TimeoutStalled 120", "TimeoutStalled 2"))
    s, fp = _client(p)
    try:
        _log_in(s, fp)
        t = time.monotonic()
        data, mark, final = _client_mlsd(s, fp)
        assert time.monotonic() - t < 15
        assert mark[0] == "150" and final[0] is None, final
    finally:
        s.close()
        backend.close()
    assert "data transfer stalled" in p.read("proxy.log")
    assert not p.crash_reports()


def test_abor_during_translated_listing(lab):
    backend = ScriptedBackend(lab, _listing_script(PARTIAL, hold="abor"))
    p = _proxy_for(lab, backend, extra=LIST_POLICY)
    s, fp = _client(p)
    try:
        _log_in(s, fp)
        code, text = _send(s, fp, "PASV")
        nums = text[text.index("(") + 1:text.index(")")].split(",")
        data = socket.create_connection((".".join(nums[:4]), int(nums[4]) * 256 + int(nums[5])), timeout=20)
        s.sendall(b"MLSD\r\n")
        assert H.raw_reply(fp)[0] == "150"
        time.sleep(0.5)
        s.sendall(b"ABOR\r\n")
        replies = [H.raw_reply(fp), H.raw_reply(fp)]
        assert [r[0] for r in replies] == ["426", "226"], replies
        data.close()
        code, text = _send(s, fp, "NOOP")
        assert code == "200" and "still here" in text, text
    finally:
        s.close()
        backend.close()
    assert "ABOR from client" in p.read("proxy.log")
