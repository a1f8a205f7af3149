"""IPv6: proxy on [::1], backend on ftp://[::1]:port."""
import os

import pytest

import harness as H

# mod_proxy 0.9.2 lib/proxy/ftp/xfer.c, proxy_ftp_xfer_prepare_passive(), policy
# "client": epsv_supported starts FALSE and is only set when the backend lists EPRT
# but NOT EPSV, so a client's EPSV is always relayed as PASV, which an IPv6 backend
# refuses -> "500 EPSV: Operation not permitted".
EPSV_V6_BUG = ("client EPSV is relayed as PASV, which fails against an IPv6 backend "
               "(xfer.c epsv_supported logic)")


@pytest.fixture
def v6(lab):
    b = lab.backend(host="::1")
    d = b.mkdir("v6dir")
    for i in range(3):
        b.put_file(f"v6dir/f{i}.txt", f"file {i}\n".encode())
    data = os.urandom(3 * H.MiB + 5)
    b.put_file("v6.bin", data)
    p = lab.proxy(b, host="::1")
    assert b.url == f"ftp://[::1]:{b.port}"
    return b, p, data


@pytest.mark.parametrize("mode", [pytest.param("EPSV", marks=pytest.mark.reference_bug(EPSV_V6_BUG)),
                                  "EPRT"])
def test_ipv6_login_retr_list(v6, mode):
    b, p, data = v6
    f = H.connect(p, mode=mode)
    try:
        assert f.welcome == f"220 {H.BACKEND_IDENT}"
        assert f.sock.getpeername()[0] == "::1"
        assert H.retr_bytes(f, "v6.bin") == data
        names = sorted(os.path.basename(x) for x in f.nlst("v6dir"))
        assert names == ["f0.txt", "f1.txt", "f2.txt"]
        listing = H.lines_of(f, "LIST v6dir")
        assert len(listing) == 3 and all(ln.split()[-1] in names for ln in listing), listing
        want = {"EPSV": "229", "EPRT": "200"}[mode]
        assert any(r.startswith(want) for r in f.replies), f.replies
    finally:
        H.bye(f)


@pytest.mark.parametrize("active", [pytest.param(False, marks=pytest.mark.reference_bug(EPSV_V6_BUG)),
                                    True], ids=["passive", "active"])
def test_ipv6_curl(v6, tmp_path, active):
    b, p, data = v6
    out = tmp_path / "v6.bin"
    r = H.run(["curl", "-sS", "--fail", "--max-time", "60", "-g", "-o", str(out),
               *(["--ftp-port", "-"] if active else []),
               f"ftp://{H.USER}:{H.PASSWORD}@[::1]:{p.port}/v6.bin"], timeout=70)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    assert out.read_bytes() == data
