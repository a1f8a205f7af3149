"""Directory listings through the proxy equal the backend's own."""
import os
import uuid

import pytest

import harness as H


@pytest.fixture
def listed_dir(pair):
    b, p = pair
    name = "listing-" + uuid.uuid4().hex[:8]
    b.mkdir(name)
    files = {f"file-{i:02d}.txt": os.urandom(100 + 37 * i) for i in range(12)}
    files["with space.bin"] = b"x" * 5
    for n, data in files.items():
        b.put_file(f"{name}/{n}", data)
    b.mkdir(f"{name}/subdir")
    return name, files


@pytest.mark.parametrize("cmd", ["LIST", "NLST", "MLSD"])
@pytest.mark.parametrize("mode", ["PASV", "PORT"])
def test_listing_matches_direct(pair, listed_dir, cmd, mode):
    b, p = pair
    name, files = listed_dir
    via = H.connect(p, mode=mode)
    direct = H.connect(b, mode=mode)
    try:
        got = H.lines_of(via, f"{cmd} {name}")
        want = H.lines_of(direct, f"{cmd} {name}")
    finally:
        H.bye(via)
        H.bye(direct)
    assert got == want
    expected = set(files) | {"subdir"}
    if cmd == "NLST":
        assert {os.path.basename(x) for x in got} == expected
    elif cmd == "MLSD":
        names = {ln.split("; ", 1)[1] for ln in got if "; " in ln}
        assert expected <= names, names
        facts = {ln.split("; ", 1)[1]: ln.split("; ", 1)[0].lower() for ln in got}
        for n, data in files.items():
            assert f"size={len(data)};" in facts[n] and "type=file;" in facts[n], facts[n]
        assert "type=dir;" in facts["subdir"]
    else:
        for n in expected:
            assert any(ln.endswith(" " + n) for ln in got), (n, got)


def test_mlst_size_and_cwd(pair, listed_dir):
    b, p = pair
    name, files = listed_dir
    f = H.connect(p)
    try:
        assert f.cwd(name).startswith("250")
        assert f.pwd() == os.path.join(b.home, name)
        for n, data in files.items():
            assert f.size(n) == len(data)
        assert f.sendcmd("CDUP").startswith("250")
        assert f.pwd() == b.home
    finally:
        H.bye(f)
