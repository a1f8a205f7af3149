"""mod_proxy_protocol against crafted PROXY headers, sent as raw bytes to one
running proftpd: valid v1/v2 headers change the session's client address and
set TLV notes; every malformed or foreign opening gets the connection closed
at once with a log line naming the fault, and the daemon keeps serving.

One daemon serves every test here, on four ports:
  main      ProxyProtocolVersion auto, ProxyProtocolTimeout 2
  v2only    <VirtualHost> with ProxyProtocolVersion haproxyV2
  v1only    <VirtualHost> with no ProxyProtocolVersion (the default, haproxyV1)
  ignore    <VirtualHost> with ProxyProtocolIgnore on
"""
import socket
import ssl
import struct
import time

import pytest

import harness as H
import pp_helpers as P
from pp_helpers import tlv, v1, v2

pytestmark = pytest.mark.swift_only

TIMEOUT = 2          # ProxyProtocolTimeout of the daemon
PROMPT = 1.0         # a rejection that needs no more bytes must come faster than this


@pytest.fixture(scope="module")
def srv(suite):
    lab = P.SharedLab(suite, "pp-headers")
    try:
        # ProxyProtocolVersion only at top level: <Global> would give it to the vhosts
        s = P.PPServer(lab, name="ftpd", ipv6=True,
                       pp=f"ProxyProtocolEngine on\nProxyProtocolTimeout {TIMEOUT}",
                       extra="ProxyProtocolVersion auto")
        P.track(lab, s)
        v2only, s.v2_port = s.vhost("ProxyProtocolVersion haproxyV2", name="v2only")
        v1only, s.v1_port = s.vhost("", name="v1only")
        ignore, s.ignore_port = s.vhost("ProxyProtocolIgnore on", name="ignore")
        s.add(v2only + v1only + ignore)
        data = bytes(range(256)) * 40
        s.start()
        s.put_file("f.bin", data)
        s.data = data
        yield s
    finally:
        problems = lab.shutdown()
    assert not problems, problems


@pytest.fixture
def mark(srv):
    """Log offsets before the test; afterwards: no crash, no session left,
    and a normal client (v1 header) still gets served."""
    assert srv.alive(), srv.logs()
    assert srv.wait_no_sessions(10), srv.session_children()
    m = srv.log_mark()
    yield m
    assert srv.wait_no_sessions(10), srv.session_children()
    assert not srv.crash_reports(), srv.crash_reports()
    f = P.ftp_session(srv.port, v1(src="10.200.0.1", sport=4242))
    try:
        assert f.pwd() == srv.home
    finally:
        H.bye(f)
    # its QUIT is logged as the session ends: before the next test's mark
    assert srv.wait_no_sessions(10), srv.session_children()


def _real_client_check(srv, mark, f, expect_addr, expect_port, server="pp-ftpd"):
    """The ExtendedLog lines of this session show expect_addr/expect_port."""
    lines = [e for e in srv.entries(mark) if e["cmd"] == "PWD"]
    assert lines, srv.since(mark, "pp.log") + srv.since(mark, "server")
    e = lines[-1]
    assert (e["addr"], e["host"], e["port"], e["server"]) == \
        (expect_addr, expect_addr, str(expect_port), server), e
    return e


# ------------------------------------------------------------------ valid headers


@pytest.mark.parametrize("kind", ["v1-tcp4", "v1-tcp6", "v2-inet", "v2-inet6", "v2-mapped"])
def test_valid_header_sets_client_address(srv, mark, kind):
    src, want, sport = {
        "v1-tcp4": ("10.1.2.3", "10.1.2.3", 40001),
        "v1-tcp6": ("2001:db8::7", "2001:db8::7", 40002),
        "v2-inet": ("192.0.2.55", "192.0.2.55", 40003),
        "v2-inet6": ("2001:db8:0:1::99", "2001:db8:0:1::99", 40004),
        # IPv4-mapped IPv6 is the IPv4 client
        "v2-mapped": ("::ffff:198.51.100.9", "198.51.100.9", 40005),
    }[kind]
    dst = "2001:db8::1" if ":" in src else "10.9.8.7"
    header = v1(src, dst, sport, 21) if kind.startswith("v1") else v2(src, dst, sport, 21)
    # ProFTPD's PASV cannot describe an IPv4 listener to an IPv6 client
    # (core_pasv assumes such a mix means an IPv6 socket): EPSV for those
    mode = "EPSV" if ":" in want else "PASV"
    f = P.ftp_session(srv.port, header, source="127.0.0.5", mode=mode)
    try:
        assert f.welcome.startswith("220 pp-ftpd-ident"), f.welcome
        f.pwd()
        # a passive download: the data connection comes from 127.0.0.5, which
        # is "foreign" to a 10.x/2001:db8 client: allowed by AllowForeignAddress
        assert P.retr(f, "f.bin") == srv.data
    finally:
        H.bye(f)
    _real_client_check(srv, mark, f, want, sport)
    log = srv.since(mark, "server")
    assert f"{P.UPDATED}{want}:{sport} (WAS 127.0.0.5)" in log, log
    # the TransferLog's host field is the proxied client too
    assert (want, srv.home + "/f.bin") in srv.xfer_hosts(mark), srv.since(mark, "xferlog")


@pytest.mark.parametrize("kind", ["v1-unknown", "v1-unknown-junk", "v2-local", "v2-local-tlvs",
                                  "v2-proxy-unspec", "v2-unix"])
def test_header_without_client_address_keeps_real_one(srv, mark, kind):
    header = {
        "v1-unknown": b"PROXY UNKNOWN\r\n",
        # the receiver must ignore whatever follows UNKNOWN on the line
        "v1-unknown-junk": b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n",
        "v2-local": P.v2_local(),
        # LOCAL with a (skipped) block: the whole block must be consumed
        "v2-local-tlvs": v2(cmd=0, tlvs=tlv(0x04, b"pad" * 10)),
        "v2-proxy-unspec": v2(cmd=1, family=0x00, block=b""),
        "v2-unix": v2(family=0x31, block=b"/run/src.sock".ljust(108, b"\0")
                      + b"/run/dst.sock".ljust(108, b"\0")),
    }[kind]
    f = P.ftp_session(srv.port, header, source="127.0.0.6")
    port = f.sock.getsockname()[1]
    try:
        assert f.welcome.startswith("220 "), f.welcome
        f.pwd()
        assert P.retr(f, "f.bin") == srv.data
    finally:
        H.bye(f)
    # the real endpoint: the client socket's own address and port
    _real_client_check(srv, mark, f, "127.0.0.6", port)
    assert P.UPDATED not in srv.since(mark, "server")


@pytest.mark.parametrize("kind", ["v1", "v2", "v2-tlvs"])
def test_bytes_after_header_are_left_for_ftp(srv, mark, kind):
    """Header and the first FTP commands in one segment: the module must read
    exactly the header, so USER/PASS still reach the FTP parser."""
    header = {"v1": v1(sport=40010), "v2": v2(sport=40010),
              "v2-tlvs": v2(sport=40010, tlvs=tlv(0x01, "ftp") + tlv(0x04, b"\0" * 50), crc=True)}[kind]
    s = socket.create_connection(("127.0.0.1", srv.port), 10)
    try:
        s.sendall(header + f"USER {H.USER}\r\nPASS {H.PASSWORD}\r\nPWD\r\nQUIT\r\n".encode())
        got = b""
        s.settimeout(10)
        while b"221" not in got:
            b = s.recv(4096)
            if not b:
                break
            got += b
    finally:
        s.close()
    text = got.decode(errors="replace")
    assert text.startswith("220 pp-ftpd-ident"), text
    assert "331 " in text and "230 " in text and f'257 "{srv.home}"' in text, text
    assert "221" in text, text


def test_tlvs_become_session_notes(srv, mark):
    tlvs = (tlv(0x01, "ftp")
            + tlv(0x02, "ftp.example.test")
            + tlv(0x05, "uid-0123456789abcdef")
            + P.ssl_tlv(version="TLSv1.3", cipher="TLS_AES_256_GCM_SHA384", cn="client.example")
            + tlv(0xEA, b"\x01vpce-0abc123")
            + tlv(0xEE, b"\x01" + struct.pack("<I", 305419896))
            + tlv(0xE0, b"\x01\x02\xab\xcd")
            + tlv(0x04, b"\0" * 7))
    f = P.ftp_session(srv.port, v2("10.7.7.7", "10.9.8.7", 40020, 21, tlvs=tlvs, crc=True))
    try:
        f.pwd()
    finally:
        H.bye(f)
    e = _real_client_check(srv, mark, f, "10.7.7.7", 40020)
    assert e["alpn"] == "ftp", e
    assert e["authority"] == "ftp.example.test", e
    assert e["unique-id"] == "uid-0123456789abcdef", e
    assert e["tls.version"] == "TLSv1.3", e
    assert e["tls.cipher"] == "TLS_AES_256_GCM_SHA384", e
    assert e["tls.common-name"] == "client.example", e
    assert e["aws.vpc-endpoint-id"] == "vpce-0abc123", e
    assert e["azure.private-endpoint-linkid"] == "305419896", e
    assert e["tlv.0xE0"] == "0102abcd", e


def test_largest_allowed_v2_header_is_accepted(srv, mark):
    """Declared length exactly 4096 (the limit): 12-byte block + one NOOP TLV."""
    pad = 4096 - 12 - 3
    header = v2("10.4.0.96", "10.9.8.7", 40030, 21, tlvs=tlv(0x04, b"\0" * pad))
    assert struct.unpack("!H", header[14:16])[0] == 4096
    f = P.ftp_session(srv.port, header)
    try:
        f.pwd()
    finally:
        H.bye(f)
    _real_client_check(srv, mark, f, "10.4.0.96", 40030)


def test_header_in_small_pieces_is_assembled(srv, mark):
    """A valid header dribbled in 3-byte pieces (within the timeout) is accepted."""
    header = v2("10.5.5.5", "10.9.8.7", 40040, 21, tlvs=tlv(0x01, "ftp"), crc=True)
    s = socket.create_connection(("127.0.0.1", srv.port), 10)
    try:
        for i in range(0, len(header), 3):
            s.sendall(header[i:i + 3])
            time.sleep(0.01)
        s.settimeout(10)
        f = s.makefile("rb")
        assert f.readline().startswith(b"220 "), "no banner"
        s.sendall(f"USER {H.USER}\r\nPASS {H.PASSWORD}\r\nPWD\r\n".encode())
        for _ in range(3):
            f.readline()
        s.sendall(b"QUIT\r\n")
        f.readline()
    finally:
        s.close()
    srv.wait_log(mark, "pp.log", "|PWD|")
    e = [x for x in srv.entries(mark) if x["cmd"] == "PWD"][-1]
    assert (e["addr"], e["port"], e["alpn"]) == ("10.5.5.5", "40040", "ftp"), e


def test_ignore_consumes_header_but_keeps_address(srv, mark):
    f = P.ftp_session(srv.ignore_port, v1("10.1.2.3", "10.9.8.7", 40050, 21), source="127.0.0.7")
    port = f.sock.getsockname()[1]
    try:
        assert f.welcome.startswith("220 ignore-ident"), f.welcome
        f.pwd()
        assert P.retr(f, "f.bin") == srv.data
    finally:
        H.bye(f)
    _real_client_check(srv, mark, f, "127.0.0.7", port, server="ignore")
    log = srv.since(mark, "server")
    assert P.UPDATED not in log, log
    assert "10.1.2.3" not in srv.since(mark, "pp.log")
    assert "<proxy_protocol:5>: PROXY header from 127.0.0.7 read and ignored (ProxyProtocolIgnore on): " \
           "keeping 127.0.0.7 as the client, not the proxied source 10.1.2.3:40050" in srv.since(mark, "trace.log")


def test_v2only_vhost_accepts_v2(srv, mark):
    f = P.ftp_session(srv.v2_port, v2("10.2.2.2", "10.9.8.7", 40060, 21))
    try:
        assert f.welcome.startswith("220 v2only-ident"), f.welcome
        f.pwd()
    finally:
        H.bye(f)
    _real_client_check(srv, mark, f, "10.2.2.2", 40060, server="v2only")


def test_default_version_vhost_accepts_v1(srv, mark):
    f = P.ftp_session(srv.v1_port, v1("10.3.3.3", "10.9.8.7", 40070, 21))
    try:
        assert f.welcome.startswith("220 v1only-ident"), f.welcome
        f.pwd()
    finally:
        H.bye(f)
    _real_client_check(srv, mark, f, "10.3.3.3", 40070, server="v1only")


# ------------------------------------------------------------------ hostile input


def _client_hello():
    """The first flight of a real TLS client."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="ftp.example.test")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return out.read()


def _bad_signature():
    sig = bytearray(v2())
    sig[8] ^= 0xFF          # inside the 12-byte signature, past the first 6
    return bytes(sig)


V1_BASE = "PROXY TCP4 10.0.0.1 10.0.0.2 1234 21"

# name: (port attribute, bytes, half-close after sending, expected log text)
HOSTILE = {
    "v1-too-long": ("port", b"PROXY TCP4 " + b"1" * 120, False,
                    "PROXY v1 line has no CRLF within 107 bytes"),
    "v1-truncated-eof": ("port", V1_BASE.encode(), True,
                         f"connection closed after {len(V1_BASE)} byte(s), before a PROXY protocol"
                         " header (v1 or v2) was complete"),
    "v2-truncated-eof": ("port", v2()[:20], True,
                         "connection closed after 20 byte(s), before a PROXY protocol header"),
    "nothing-then-eof": ("port", b"", True, "connection closed after 0 byte(s)"),
    "v2-bad-signature": ("port", _bad_signature(), False,
                         "got an unrecognised opening: first bytes 0d 0a 0d 0a 00 0d 0a 51 aa 49 54 0a"),
    "binary-garbage": ("port", b"\x00\x01\x02\x03\x04\x05\x06\x07" * 4, False,
                       "got an unrecognised opening: first bytes 00 01 02 03 04 05"),
    "v2-version-1": ("port", v2(version=1), False, "byte 0x11 has version 1, expected 2"),
    "v2-version-3": ("port", v2(version=3), False, "byte 0x31 has version 3, expected 2"),
    "v2-command-15": ("port", v2(cmd=0xF), False, "has command 15, expected 0 (LOCAL) or 1 (PROXY)"),
    "v2-command-2": ("port", v2(cmd=2), False, "has command 2, expected 0 (LOCAL) or 1 (PROXY)"),
    "v2-family-0x41": ("port", v2(family=0x41), False,
                       "family/transport byte 0x41 is not one of 0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32"),
    "v2-family-0x13": ("port", v2(family=0x13), False, "family/transport byte 0x13 is not one of"),
    "v2-inet-length-8": ("port", v2(block=b"\x0a\0\0\x01\x0a\0\0\x02", family=0x11), False,
                         "declares 8 bytes for family 0x11, which needs at least 12"),
    "v2-inet6-length-12": ("port", v2(family=0x21), False,
                           "declares 12 bytes for family 0x21, which needs at least 36"),
    # only the 16 fixed bytes are sent: rejected without waiting for the rest
    "v2-length-5000": ("port", (v2()[:14] + struct.pack("!H", 5000)), False,
                       "declares 5000 bytes of addresses and TLVs, limit is 4096"),
    "v2-length-65535": ("port", (v2()[:14] + struct.pack("!H", 65535)), False,
                        "declares 65535 bytes of addresses and TLVs, limit is 4096"),
    "v2-tlv-overrun": ("port", v2(tlvs=b"\x04\x00\x64" + b"x" * 10), False,
                       "PROXY v2 TLV 0x04 at offset 28 declares 100 bytes, only 10 remain in the header"),
    "v2-tlv-header-cut": ("port", v2(tlvs=tlv(0x01, "ftp") + b"\x04\x00"), False,
                          "PROXY v2 TLV at offset 34 is truncated: 2 byte(s) left"),
    "v2-crc32c-flipped": ("port", v2(tlvs=tlv(0x01, "ftp"), crc=0x00000100), False,
                          "PROXY v2 CRC32C mismatch: header says 0x"),
    "v2-crc32c-short": ("port", v2(tlvs=tlv(0x03, b"\0\0")), False,
                        "PROXY v2 CRC32C TLV has 2 byte(s), expected 4"),
    "v2-crc32c-twice": ("port", v2(tlvs=tlv(0x03, b"\0\0\0\0"), crc=True), False,
                        "more than one CRC32C TLV"),
    "v2-ssl-too-short": ("port", v2(tlvs=tlv(0x20, b"\x01\x00")), False,
                         "PROXY v2 SSL TLV has 2 byte(s), needs at least 5"),
    "v2-ssl-sub-overrun": ("port", v2(tlvs=tlv(0x20, b"\x01\0\0\0\0" + b"\x21\x00\x50abc")), False,
                           "SSL sub-TLV 0x21 at offset 5 of the SSL value declares 80 bytes"),
    "v2-identical-ends": ("port", v2("10.0.0.1", "10.0.0.1", 2121, 2121), False,
                          "source and destination are identical (10.0.0.1 port 2121)"),
    "v1-signed-port": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 +80 21\r\n", False,
                       'PROXY v1 source port "+80" is not a plain decimal number'),
    "v1-leading-zero": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 1234 021\r\n", False,
                        'PROXY v1 destination port "021" is not a plain decimal number'),
    "v1-port-65536": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 65536 21\r\n", False,
                      'PROXY v1 source port "65536" is out of range 1-65535'),
    "v1-port-0": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 0 21\r\n", False,
                  'PROXY v1 source port "0" is out of range 1-65535'),
    "v1-port-huge": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 99999999999999999999 21\r\n", False,
                     'source port "99999999999999999999" is out of range'),
    "v1-zoned-ipv6": ("port", b"PROXY TCP6 fe80::1%eth0 ::1 1234 21\r\n", False,
                      'PROXY v1 source address "fe80::1%eth0" carries an IPv6 zone'),
    "v1-tcp4-with-ipv6": ("port", b"PROXY TCP4 ::1 ::2 1234 21\r\n", False,
                          'PROXY v1 TCP4 line has source address "::1", expected an IPv4 address'),
    "v1-tcp6-with-ipv4": ("port", b"PROXY TCP6 10.0.0.1 10.0.0.2 1234 21\r\n", False,
                          "expected an IPv6 address"),
    "v1-double-space": ("port", b"PROXY TCP4  10.0.0.1 10.0.0.2 1234 21\r\n", False,
                        "has an extra space at offset"),
    "v1-trailing-space": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 1234 21 \r\n", False,
                          "has an extra space at offset"),
    "v1-lowercase": ("port", b"proxy TCP4 10.0.0.1 10.0.0.2 1234 21\r\n", False,
                     "non-canonical PROXY v1 keyword"),
    "v1-tcp5": ("port", b"PROXY TCP5 10.0.0.1 10.0.0.2 1234 21\r\n", False,
                'PROXY v1 protocol "TCP5" is not TCP4, TCP6 or UNKNOWN'),
    "v1-hostname": ("port", b"PROXY TCP4 localhost 10.0.0.2 1234 21\r\n", False,
                    'PROXY v1 source address "localhost" is not an IP address literal'),
    "v1-octet-256": ("port", b"PROXY TCP4 10.0.0.256 10.0.0.2 1234 21\r\n", False,
                     'source address "10.0.0.256" is not an IP address literal'),
    "v1-five-fields": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 1234\r\n", False,
                       "has 5 field(s), expected 6"),
    "v1-seven-fields": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 1234 21 9\r\n", False,
                        "has 7 fields, expected 6"),
    "v1-bare-lf": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.2 1234 21\n", False,
                   "bare LF without CR (0x0A)"),
    "v1-nul-byte": ("port", b"PROXY TCP4 10.0.0.1\x0010.0.0.2 1234 21\r\n", False,
                    "non-printable byte (0x00) at offset 19"),
    "v1-identical-ends": ("port", b"PROXY TCP4 10.0.0.1 10.0.0.1 80 80\r\n", False,
                          "source and destination are identical (10.0.0.1 port 80)"),
    "tls-clienthello": ("port", _client_hello(), False, "got what looks like a TLS ClientHello"),
    "ssh-banner": ("port", b"SSH-2.0-x\r\n", False, "got what looks like an SSH banner"),
    "ftp-user": ("port", b"USER bob\r\n", False, "got what looks like an FTP command (USER)"),
    "http-get": ("port", b"GET / HTTP/1.0\r\n\r\n", False, "got what looks like an HTTP request (GET)"),
    "v1-to-v2only": ("v2_port", v1(), False,
                     "expected a PROXY protocol v2 header, got what looks like a PROXY protocol v1 line"),
    "v2-to-v1only": ("v1_port", v2(), False,
                     "expected a PROXY protocol v1 header, got what looks like a PROXY protocol v2 signature"),
    "v2-local-to-v1only": ("v1_port", P.v2_local(), False,
                           "expected a PROXY protocol v1 header, got what looks like a PROXY protocol v2"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_opening_is_rejected_promptly(srv, mark, case):
    attr, data, eof, expected = HOSTILE[case]
    port = getattr(srv, attr)
    r = P.probe(port, data, eof=eof, wait=TIMEOUT + 3)
    assert r.closed, f"{case}: connection still open after {TIMEOUT + 3}s: {r}"
    assert r.elapsed < PROMPT, f"{case}: closed only after {r.elapsed:.2f}s (timeout {TIMEOUT}s): {r}"
    # no banner, no FTP reply: the session never started
    assert not r.data.startswith(b"220"), r
    log = srv.since(mark, "server")
    lines = [ln for ln in log.splitlines() if P.REJECT in ln]
    assert lines, f"{case}: no rejection logged:\n{log}"
    assert any(expected in ln for ln in lines), f"{case}: expected {expected!r} in:\n" + "\n".join(lines)
    assert P.UPDATED not in log, log
    assert not srv.entries(mark), srv.since(mark, "pp.log")


# ------------------------------------------------------------------ timeouts


def _rejections(srv, mark):
    return [ln for ln in srv.since(mark, "server").splitlines() if P.REJECT in ln]


def test_silent_client_is_dropped_after_timeout(srv, mark):
    r = P.probe(srv.port, b"", wait=TIMEOUT + 4)
    assert r.closed, r
    assert TIMEOUT - 0.3 <= r.elapsed <= TIMEOUT + 1.5, r
    assert r.data == b"", r
    assert any(f"timed out after {TIMEOUT}s waiting for the PROXY header (0 bytes received)" in ln
               for ln in _rejections(srv, mark)), srv.since(mark, "server")


def test_half_header_then_silence_is_dropped_after_timeout(srv, mark):
    half = v1()[:20]
    r = P.probe(srv.port, half, wait=TIMEOUT + 4)
    assert r.closed and TIMEOUT - 0.3 <= r.elapsed <= TIMEOUT + 1.5, r
    assert any(f"timed out after {TIMEOUT}s waiting for the PROXY header (20 bytes received)" in ln
               for ln in _rejections(srv, mark)), srv.since(mark, "server")


def test_dribbling_client_does_not_extend_the_timeout(srv, mark):
    """One byte every 0.3 s: the timeout covers the whole header, not each read."""
    header = v1()
    s = socket.create_connection(("127.0.0.1", srv.port), 5)
    t0 = time.monotonic()
    closed_at = None
    try:
        for b in header:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed_at = time.monotonic()
                break
            s.settimeout(0.3)
            try:
                got = s.recv(100)
            except socket.timeout:
                continue
            except OSError:
                got = b""
            if not got:
                closed_at = time.monotonic()
                break
            pytest.fail(f"server sent {got!r} before the header was complete")
    finally:
        s.close()
    assert closed_at is not None, "the server never closed the dribbling connection"
    assert TIMEOUT - 0.3 <= closed_at - t0 <= TIMEOUT + 1.5, closed_at - t0
    assert any(f"timed out after {TIMEOUT}s" in ln for ln in _rejections(srv, mark)), \
        srv.since(mark, "server")


def test_many_hostile_clients_at_once_do_not_stop_service(srv, mark):
    """20 garbage connections in parallel, then a normal client (the mark fixture)."""
    socks = [socket.create_connection(("127.0.0.1", srv.port), 5) for _ in range(20)]
    try:
        for s in socks:
            s.sendall(b"\x16\x03\x01\x00\x05hello")
        for s in socks:
            s.settimeout(PROMPT + 1)
            try:
                assert s.recv(100) == b""
            except ConnectionResetError:
                pass
    finally:
        for s in socks:
            s.close()
    assert len(_rejections(srv, mark)) >= 20
