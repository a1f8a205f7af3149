"""Flow control of the reverse SSH relay (issue 11, speed): each channel's
window is the relay's own toward each side (`ChannelWindows`), bounded and
topped up as data is forwarded, never beyond what the receiver accepts.
A backend's huge window (mod_sftp: 4 GiB - 1) reaches the client bounded;
small windows, slow readers, a blocked channel beside a busy one and data
beyond the window are all seen end to end with real daemons."""
import hashlib
import os
import socket
import threading
import time

import pytest

import harness as H
from test_sftp_reverse import (SSH_PASSWORD, SSH_USER, _client, _sha, openssh, sftp_backend, ssh_proxy,  # noqa: F401
                               ssh_user, sshd_backend)

pytestmark = pytest.mark.swift_only

paramiko = pytest.importorskip("paramiko")

# ChannelWindows.defaultBound: the most the relay grants a sender at once.
RELAY_WINDOW_BOUND = 4 << 20


def _open_window(port, user, password, **kw):
    """The window a fresh session channel grants paramiko (what the far end announced)."""
    c = _client(port, user, password)
    try:
        chan = c.get_transport().open_session(**kw)
        size = chan.out_window_size
        chan.close()
        return size
    finally:
        c.close()


def _random_file(path, mib):
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(mib):
            block = os.urandom(1 << 20)
            h.update(block)
            f.write(block)
    os.chmod(path, 0o644)
    return h.hexdigest()


def _drain(chan, block_size=1 << 16, pause_every=0):
    """(bytes, sha256) of everything a channel delivers; with `pause_every`,
    a slow reader that sleeps after that many reads."""
    h, n, reads = hashlib.sha256(), 0, 0
    while block := chan.recv(block_size):
        h.update(block)
        n += len(block)
        reads += 1
        if pause_every and reads % pause_every == 0:
            time.sleep(0.05)
    return n, h.hexdigest()


def _proxy_to_sshd_with_a_file(lab, sshd_backend, mib=8):
    """A proxy in front of sshd, a client logged in through it, and a random
    file at the backend: (proxy, client, path, sha256)."""
    p = ssh_proxy(lab, [sshd_backend.url])
    path = os.path.join(sshd_backend.work, f"{mib}mib.bin")
    digest = _random_file(path, mib)
    return p, _client(p.port, SSH_USER, SSH_PASSWORD), path, digest


def test_a_huge_backend_window_reaches_the_client_bounded(lab):
    b = sftp_backend(lab)
    direct = _open_window(b.port, H.USER, H.PASSWORD)
    assert direct > 1 << 30, f"premise: mod_sftp grants a huge window ({direct})"
    p = ssh_proxy(lab, [b.sftp_url])
    assert _open_window(p.port, H.USER, H.PASSWORD) == RELAY_WINDOW_BOUND


def test_uploads_and_downloads_through_the_bounded_window_are_whole(lab):
    """scp both ways and paramiko's pipelined sftp put against the backend whose 4 GiB window the relay bounds."""
    b = sftp_backend(lab)
    p = ssh_proxy(lab, [b.sftp_url])
    local = os.path.join(lab.dir, "up.bin")
    digest = _random_file(local, 40)
    remote = f"{H.USER}@127.0.0.1"
    r = openssh(lab, "scp", p.port, H.USER, H.PASSWORD, ["-O", local, f"{remote}:up.bin"])
    assert r.returncode == 0, r.stderr.decode() + p.read("proxy.log")
    assert _sha(os.path.join(b.home, "up.bin")) == digest
    back = os.path.join(lab.dir, "back.bin")
    r = openssh(lab, "scp", p.port, H.USER, H.PASSWORD, ["-O", f"{remote}:up.bin", back])
    assert r.returncode == 0, r.stderr.decode() + p.read("proxy.log")
    assert _sha(back) == digest
    c = _client(p.port, H.USER, H.PASSWORD)
    try:
        sftp = c.open_sftp()
        sftp.put(local, "again.bin")
        sftp.close()
    finally:
        c.close()
    assert _sha(os.path.join(b.home, "again.bin")) == digest
    assert "beyond its window" not in p.read("proxy.log")


@pytest.mark.parametrize("window", [32768, (1 << 31) - 1], ids=["small", "huge"])
def test_a_small_or_huge_client_window_and_a_slow_reader_lose_nothing(lab, sshd_backend, window):
    """The backend gets at most the relay's bound of a huge client window."""
    p, c, path, digest = _proxy_to_sshd_with_a_file(lab, sshd_backend)
    try:
        chan = c.get_transport().open_session(window_size=window, max_packet_size=16384)
        chan.exec_command(f"cat {path}")
        got = _drain(chan, 16384, pause_every=64)   # a slow reader: the backend must wait, not overrun
        assert chan.recv_exit_status() == 0
    finally:
        c.close()
    assert got == (8 << 20, digest)
    assert "session ended" not in p.read("proxy.log"), p.read("proxy.log")


def test_a_blocked_download_channel_does_not_hold_up_another(lab, sshd_backend):
    p, c, path, digest = _proxy_to_sshd_with_a_file(lab, sshd_backend)
    try:
        t = c.get_transport()
        blocked = t.open_session(window_size=65536)
        blocked.exec_command(f"cat {path}")   # nobody reads it for now: its window fills
        time.sleep(1)
        other = t.open_session()
        other.settimeout(10)
        other.exec_command("echo two")
        assert other.makefile("rb").read() == b"two\n"
        assert other.recv_exit_status() == 0
        assert _drain(blocked) == (8 << 20, digest)
    finally:
        c.close()


def test_a_blocked_upload_channel_does_not_hold_up_another(lab, sshd_backend):
    """The backend stops reading one channel (its window closes); the
    client's upload there waits, and another channel still works."""
    p = ssh_proxy(lab, [sshd_backend.url])
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    try:
        t = c.get_transport()
        slow = t.open_session()
        slow.exec_command("sleep 4; wc -c")
        payload = os.urandom(8 << 20)
        sent = threading.Event()

        def upload():
            slow.sendall(payload)
            slow.shutdown_write()
            sent.set()
        threading.Thread(target=upload, daemon=True).start()
        time.sleep(1)
        other = t.open_session()
        other.settimeout(10)
        other.exec_command("echo two")
        assert other.makefile("rb").read() == b"two\n"
        assert not sent.is_set(), "premise: the upload is held back by the backend's window"
        assert sent.wait(30), "the upload never finished"
        slow.settimeout(30)
        assert slow.makefile("rb").read().strip() == str(8 << 20).encode()
        assert slow.recv_exit_status() == 0
    finally:
        c.close()


def test_channels_the_backend_opens_carry_data_both_ways(lab, sshd_backend):
    """ssh -R through the proxy: sshd opens a forwarded-tcpip channel toward
    the client for each connection to its port (the relay bounds that
    channel's windows too); 6 MiB cross it each way."""
    p = ssh_proxy(lab, [sshd_backend.url])
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    try:
        t = c.get_transport()
        port = t.request_port_forward("127.0.0.1", 0)
        outbound, inbound = os.urandom(6 << 20), os.urandom(6 << 20)
        received = {}

        def connect_and_exchange():
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(outbound)
                s.shutdown(socket.SHUT_WR)
                h, n = hashlib.sha256(), 0
                while block := s.recv(1 << 16):
                    h.update(block)
                    n += len(block)
                received["by the connecting side"] = (n, h.hexdigest())
        th = threading.Thread(target=connect_and_exchange, daemon=True)
        th.start()
        chan = t.accept(20)
        assert chan is not None, "sshd's forwarded-tcpip channel never reached the client: " + p.read("proxy.log")
        chan.settimeout(30)
        sender = threading.Thread(target=lambda: (chan.sendall(inbound), chan.shutdown_write()), daemon=True)
        sender.start()
        assert _drain(chan) == (len(outbound), hashlib.sha256(outbound).hexdigest())
        sender.join(30)
        chan.close()
        th.join(30)
        assert received.get("by the connecting side") == (len(inbound), hashlib.sha256(inbound).hexdigest())
    finally:
        c.close()
    assert "session ended" not in p.read("proxy.log"), p.read("proxy.log")


def test_client_data_beyond_the_window_ends_the_session_with_a_reason(lab, sshd_backend):
    """A client that ignores its window (paramiko told its window is huge)
    while the backend reads nothing: the relay refuses to pass data the
    backend never allowed, and says why."""
    p = ssh_proxy(lab, [sshd_backend.url])
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    try:
        t = c.get_transport()
        chan = t.open_session()
        chan.exec_command("sleep 20")   # never reads its input: the backend's window closes
        chan.out_window_size = 1 << 31   # paramiko now sends regardless

        def flood():
            try:
                chan.sendall(os.urandom(16 << 20))
            except Exception:
                pass
        threading.Thread(target=flood, daemon=True).start()
        assert H.wait_until(lambda: "beyond its window" in p.read("proxy.log"), 20), p.read("proxy.log")
        assert H.wait_until(lambda: not t.is_active(), 10), "the client's session stayed up"
    finally:
        c.close()
    log = p.read("proxy.log")
    assert "session ended: the client sent" in log and "bytes on channel" in log, log
    assert H.wait_until(lambda: not p.session_children(), 10), p.session_children()


def test_a_lone_packet_is_not_held_for_a_burst(lab, sshd_backend):
    """Client packets are gathered into one backend write while the client
    has more to read; a packet with nothing after it goes out at once."""
    p = ssh_proxy(lab, [sshd_backend.url])
    c = _client(p.port, SSH_USER, SSH_PASSWORD)
    try:
        chan = c.get_transport().open_session()
        chan.settimeout(5)
        chan.exec_command("cat")
        for i in range(20):
            line = f"ping {i}\n".encode()
            chan.sendall(line)
            got = b""
            while len(got) < len(line):
                got += chan.recv(64)
            assert got == line
        # a burst, then silence: all of it arrives
        burst = os.urandom(3 << 20)
        chan.sendall(burst)
        chan.shutdown_write()
        got = b""
        while block := chan.recv(1 << 16):
            got += block
        assert got == burst
        assert chan.recv_exit_status() == 0
    finally:
        c.close()


def _scp_receive(port, user, password, name, max_packet):
    """`name` fetched by the scp protocol (`scp -f`, what `scp -O` runs) on a
    paramiko channel that announces `max_packet`: (sha256 of the file, the
    data sizes of every CHANNEL_DATA the client received)."""
    c = _client(port, user, password)
    sizes = []
    try:
        t = c.get_transport()

        def counting_feed(chan, m):
            data = m.get_binary()
            sizes.append(len(data))
            paramiko.Channel._feed(chan, data)
        t._channel_handler_table = dict(type(t)._channel_handler_table)
        t._channel_handler_table[paramiko.common.MSG_CHANNEL_DATA] = counting_feed
        chan = t.open_session(max_packet_size=max_packet)
        chan.settimeout(30)
        chan.exec_command(f"scp -f {name}")
        chan.sendall(b"\0")
        header = b""
        while not header.endswith(b"\n"):
            header += chan.recv(1)
        assert header.startswith(b"C"), header
        left = int(header.split()[1])
        chan.sendall(b"\0")
        h = hashlib.sha256()
        while left > 0:
            block = chan.recv(min(left, 1 << 16))
            assert block, "the channel ended early"
            h.update(block)
            left -= len(block)
        assert chan.recv(1) == b"\0"
        chan.sendall(b"\0")
        chan.shutdown_write()
        assert chan.recv_exit_status() == 0
        return h.hexdigest(), sizes
    finally:
        c.close()


@pytest.mark.parametrize("max_packet", [32768, 16384, 8192])
def test_downloaded_data_is_joined_up_to_the_clients_maximum_packet(lab, max_packet):
    """mod_sftp sends 16 KiB of data a packet; the relay joins what arrives
    together up to the client's maximum packet size (each packet mod_sftp
    writes toward the client costs it a fixed price), never beyond it."""
    b = sftp_backend(lab)
    digest = _random_file(os.path.join(b.home, "down.bin"), 8)
    direct_digest, direct_sizes = _scp_receive(b.port, H.USER, H.PASSWORD, "down.bin", max_packet)
    assert direct_digest == digest
    usual = max(set(direct_sizes), key=direct_sizes.count)
    assert usual == min(max_packet, 16384), f"premise: the backend's own packet size ({usual})"
    p = ssh_proxy(lab, [b.sftp_url])
    got, sizes = _scp_receive(p.port, H.USER, H.PASSWORD, "down.bin", max_packet)
    assert got == digest
    assert max(sizes) <= max_packet
    if max_packet > 16384:
        joined = sum(n for n in sizes if n > 16384)
        assert joined > (4 << 20), f"most of the data arrives joined: {sorted(set(sizes))}"
        assert len(sizes) < len(direct_sizes) * 3 // 4, (len(sizes), len(direct_sizes))
    assert "session ended" not in p.read("proxy.log"), p.read("proxy.log")


@pytest.mark.parametrize("kind", ["proftpd", "sshd"])
def test_the_default_cipher_toward_the_backend_is_aes_gcm(lab, request, kind):
    """One AEAD pass: the cheapest for the proxy and for the backend."""
    if kind == "proftpd":
        b = sftp_backend(lab)
        url, user, password = b.sftp_url, H.USER, H.PASSWORD
    else:
        b = request.getfixturevalue("sshd_backend")
        url, user, password = b.url, SSH_USER, SSH_PASSWORD
    p = ssh_proxy(lab, [url])
    c = _client(p.port, user, password)
    c.close()
    assert H.wait_until(lambda: "cipher aes128-gcm@openssh.com" in p.read("proxy.log"), 5), p.read("proxy.log")
