"""TransferRate in the proxy's configuration throttles proxied RETR and
STOR as it throttles a plain server's transfers."""
import io
import os
import time

import pytest

import harness as H

SIZE = 600 * 1024
RATE_KB = 200          # 600 KiB at 200 KiB/s: 3 s


def _timed_retr(daemon):
    f = H.connect(daemon)
    try:
        t = time.monotonic()
        data = H.retr_bytes(f, "f.bin")
        return data, time.monotonic() - t
    finally:
        H.bye(f)


def _timed_stor(daemon, payload):
    f = H.connect(daemon)
    try:
        t = time.monotonic()
        f.storbinary("STOR up.bin", io.BytesIO(payload), blocksize=1 << 16)
        return time.monotonic() - t
    finally:
        H.bye(f)


def _lab(lab, rule):
    plain = lab.backend(name="plain", extra=rule)
    b = lab.backend()
    payload = os.urandom(SIZE)
    for d in (plain, b):
        d.put_file("f.bin", payload)
    p = lab.proxy(b, outside=rule)
    return plain, b, p, payload


def test_retr_is_throttled_as_on_a_plain_server(lab):
    plain, b, p, payload = _lab(lab, f"TransferRate RETR {RATE_KB}")
    data, plain_s = _timed_retr(plain)
    assert data == payload and plain_s > 2.4, plain_s
    data, proxy_s = _timed_retr(p)
    assert data == payload
    assert 2.4 < proxy_s < 4.5, (proxy_s, plain_s)


def test_stor_is_throttled_and_retr_is_not(lab):
    plain, b, p, payload = _lab(lab, f"TransferRate STOR {RATE_KB}")
    proxy_s = _timed_stor(p, payload)
    assert 2.4 < proxy_s < 4.5, proxy_s
    with open(b.home_path("up.bin"), "rb") as fh:
        assert fh.read() == payload
    data, retr_s = _timed_retr(p)
    assert data == payload and retr_s < 1.5, retr_s


def test_free_bytes_go_unthrottled(lab):
    # the first 400 KiB are free: 200 KiB left at 200 KiB/s
    plain, b, p, payload = _lab(lab, f"TransferRate RETR {RATE_KB}:409600")
    data, proxy_s = _timed_retr(p)
    assert data == payload and 0.7 < proxy_s < 2.2, proxy_s


def test_user_rule_applies_to_the_user_given_in_user(lab):
    plain, b, p, payload = _lab(lab, f"TransferRate RETR {RATE_KB} user alice\n"
                                     f"TransferRate RETR 1 user bob")
    data, proxy_s = _timed_retr(p)
    assert data == payload and 2.4 < proxy_s < 4.5, proxy_s


def test_abor_during_a_throttled_download_is_prompt(lab):
    plain, b, p, payload = _lab(lab, "TransferRate RETR 20")
    # larger than the socket buffers, so the backend is still sending
    b.put_file("big.bin", b"\0" * (32 * H.MiB))
    f = H.connect(p)
    try:
        conn = f.transfercmd("RETR big.bin")
        conn.recv(4096)
        t = time.monotonic()
        replies = H.abort_transfer(f, conn)
        assert time.monotonic() - t < 2, replies
        assert [r[:3] for r in replies] in (["426", "226"], ["426", "225"]), replies
        noop = f.sendcmd("NOOP")
        assert noop.startswith("200"), " | ".join(f.replies[5:]) + " || " + noop
    finally:
        H.bye(f)
