"""Data transfers through the proxy, checked by sha256 on both ends."""
import os
import time
import uuid

import pytest

import harness as H

MiB = H.MiB
BIG = 100 * MiB
MID = 5 * MiB


@pytest.fixture(scope="module")
def files(shared):
    """Random files in the shared backend's home: name -> (path, sha256)."""
    _, b, _ = shared
    out = {}
    for name, size in (("big.bin", BIG), ("mid.bin", MID)):
        path = b.home_path(name)
        out[name] = (path, H.make_random_file(path, size))
        os.chown(path, H.NOBODY_UID, H.NOBODY_GID)
    return out


def unique(prefix, ext=".bin"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}{ext}"


# ------------------------------------------------------------- RETR / STOR


@pytest.mark.slow
def test_retr_100mib_pasv(pair, files):
    b, p = pair
    f = H.connect(p, mode="PASV", timeout=120)
    try:
        digest, n = H.retr_digest(f, "big.bin")
    finally:
        H.bye(f)
    assert n == BIG
    assert digest == files["big.bin"][1]


@pytest.mark.slow
def test_stor_100mib_eprt(pair, files):
    b, p = pair
    name = unique("up-big")
    f = H.connect(p, mode="EPRT", timeout=120)
    try:
        reply = H.stor_file(f, name, files["big.bin"][0])
        assert reply.startswith("226"), reply
        assert f.size(name) == BIG
    finally:
        H.bye(f)
    try:
        assert os.path.getsize(b.home_path(name)) == BIG
        assert H.sha256_file(b.home_path(name)) == files["big.bin"][1]
    finally:
        os.unlink(b.home_path(name))


@pytest.mark.parametrize("mode", ["PASV", "EPSV", "PORT", "EPRT"])
def test_retr_and_stor_each_data_mode(pair, files, mode):
    b, p = pair
    src, sha = files["mid.bin"]
    name = unique(f"up-{mode}")
    f = H.connect(p, mode=mode)
    try:
        digest, n = H.retr_digest(f, "mid.bin")
        assert (digest, n) == (sha, MID)
        reply = H.stor_file(f, name, src)
        assert reply.startswith("226"), reply
        # the command the proxy relayed for the data channel was accepted
        want = {"PASV": "227", "EPSV": "229", "PORT": "200", "EPRT": "200"}[mode]
        assert any(r.startswith(want) for r in f.replies), f.replies
        digest2, n2 = H.retr_digest(f, name)
        assert (digest2, n2) == (sha, MID)
    finally:
        H.bye(f)
    assert H.sha256_file(b.home_path(name)) == sha
    os.unlink(b.home_path(name))


def test_transfer_is_logged_by_backend(pair, files):
    """The bytes really come from the backend: its TransferLog records the RETR."""
    b, p = pair
    before = b.read("xferlog").count("mid.bin")
    f = H.connect(p)
    try:
        H.retr_digest(f, "mid.bin")
    finally:
        H.bye(f)
    assert H.wait_until(lambda: b.read("xferlog").count("mid.bin") == before + 1, 5), b.read("xferlog")


# ------------------------------------------------------------- APPE / STOU / REST


def test_appe_appends(pair, tmp_path):
    b, p = pair
    a, c = os.urandom(300_000), os.urandom(123_457)
    (tmp_path / "a").write_bytes(a)
    (tmp_path / "c").write_bytes(c)
    name = unique("appe")
    f = H.connect(p)
    try:
        assert H.stor_file(f, name, str(tmp_path / "a")).startswith("226")
        assert H.stor_file(f, name, str(tmp_path / "c"), cmd="APPE").startswith("226")
        assert H.retr_bytes(f, name) == a + c
    finally:
        H.bye(f)
    with open(b.home_path(name), "rb") as fh:
        assert fh.read() == a + c
    os.unlink(b.home_path(name))


def test_stou_creates_a_new_file(pair, tmp_path):
    b, p = pair
    d = b.mkdir("stou-" + uuid.uuid4().hex[:8])
    data = os.urandom(200_000)
    (tmp_path / "s").write_bytes(data)
    f = H.connect(p)
    try:
        f.cwd(os.path.basename(d))
        reply = H.stor_file(f, None, str(tmp_path / "s"), cmd="STOU")
        assert reply.startswith("226"), reply
        prelim = [r for r in f.replies if r.startswith("150")]
        assert prelim, f.replies
        names = f.nlst()
    finally:
        H.bye(f)
    assert len(names) == 1, names
    created = os.path.basename(names[0])
    assert created in prelim[-1], (created, prelim)
    with open(os.path.join(d, created), "rb") as fh:
        assert fh.read() == data


def test_rest_resumes_download(pair, files):
    b, p = pair
    path, _ = files["mid.bin"]
    offset = 3 * MiB + 12345
    with open(path, "rb") as fh:
        fh.seek(offset)
        tail = fh.read()
    f = H.connect(p)
    try:
        got = H.retr_bytes(f, "mid.bin", rest=offset)
        assert any(r.startswith("350") for r in f.replies), f.replies
    finally:
        H.bye(f)
    assert len(got) == MID - offset
    assert got == tail


def test_rest_resumes_upload(pair, files):
    b, p = pair
    src, sha = files["mid.bin"]
    name = unique("rest-up")
    offset = 2 * MiB + 777
    with open(src, "rb") as fh:
        head = fh.read(offset)
    b.put_file(name, head)            # what an interrupted upload left behind
    f = H.connect(p)
    try:
        reply = H.stor_file(f, name, src, rest=offset, offset=offset)
        assert reply.startswith("226"), reply
        assert any(r.startswith("350") for r in f.replies), f.replies
    finally:
        H.bye(f)
    assert os.path.getsize(b.home_path(name)) == MID
    assert H.sha256_file(b.home_path(name)) == sha
    os.unlink(b.home_path(name))


# ------------------------------------------------------------- ABOR


def test_abor_during_retr_keeps_session_usable(pair, files):
    b, p = pair
    f = H.connect(p, timeout=20)
    try:
        conn = f.transfercmd("RETR big.bin")
        got = 0
        while got < 2 * MiB:
            chunk = conn.recv(1 << 16)
            assert chunk, "data connection closed early"
            got += len(chunk)
        t0 = time.monotonic()
        replies = H.abort_transfer(f, data_conn=conn)
        dt = time.monotonic() - t0
        codes = [r[:3] for r in replies]
        assert codes in (["426", "226"], ["426", "225"], ["226"], ["225"]), f.replies
        assert dt < 10, f"ABOR took {dt:.1f}s"
        assert f.sendcmd("NOOP").startswith("200")
        listing = f.nlst()
        assert "big.bin" in [os.path.basename(x) for x in listing]
        digest, n = H.retr_digest(f, "mid.bin")
        assert (digest, n) == (files["mid.bin"][1], MID)
    finally:
        H.bye(f)


# ------------------------------------------------------------- curl / lftp


def _curl(*args, timeout=120):
    r = H.run(["curl", "-sS", "--fail", "--max-time", str(timeout), *args], timeout=timeout + 10)
    assert r.returncode == 0, f"curl {args} rc={r.returncode}: {r.stderr.decode(errors='replace')}"
    return r


def _url(p, path):
    return f"ftp://{H.USER}:{H.PASSWORD}@{p.host}:{p.port}/{path}"


def test_curl_download(pair, files, tmp_path):
    b, p = pair
    out = tmp_path / "dl.bin"
    _curl("-o", str(out), _url(p, "mid.bin"))
    assert H.sha256_file(str(out)) == files["mid.bin"][1]


def test_curl_active_download(pair, files, tmp_path):
    b, p = pair
    out = tmp_path / "dl-active.bin"
    _curl("--ftp-port", "-", "-o", str(out), _url(p, "mid.bin"))
    assert H.sha256_file(str(out)) == files["mid.bin"][1]


def test_curl_upload(pair, files):
    b, p = pair
    name = unique("curl-up")
    _curl("-T", files["mid.bin"][0], _url(p, name))
    assert H.sha256_file(b.home_path(name)) == files["mid.bin"][1]
    os.unlink(b.home_path(name))


def test_lftp_mirror(pair, tmp_path):
    b, p = pair
    d = "mirror-" + uuid.uuid4().hex[:8]
    want = {f"m{i}.dat": os.urandom(1000 * i + 1) for i in range(8)}
    for n, data in want.items():
        b.put_file(f"{d}/{n}", data)
    script = ("set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 15; "
              "set cmd:fail-exit yes; "
              f"open -u {H.USER},{H.PASSWORD} -p {p.port} {p.host}; "
              f"mirror {d} {tmp_path}/{d}; bye")
    r = H.run(["lftp", "-c", script], timeout=90)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    got = {n: (tmp_path / d / n).read_bytes() for n in os.listdir(tmp_path / d)}
    assert got == want
