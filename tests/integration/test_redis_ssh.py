"""SSH host keys (ProxySFTPVerifyServer) in the Redis datastore: proxies
sharing a prefix verify a backend against the key the first of them saw;
other prefixes keep their own; a Redis that cannot be asked never lets a
key through unchecked when VerifyServer is on."""
import os
import threading
import time

import pytest

import harness as H
from test_sftp_reverse import _client, _host_key, _wait_ssh, openssh, sftp_backend, ssh_proxy

pytestmark = pytest.mark.swift_only


def redis_ssh_proxy(lab, redis, backend, name, prefix="fleet1:", verify="on"):
    return ssh_proxy(lab, [backend.sftp_url], name=name, outside=redis.config(),
                     extra=f"  ProxyDatastore Redis {prefix}\n  ProxySFTPVerifyServer {verify}")


def hostkey_key(backend, prefix="fleet1:"):
    return f"{prefix}proxy_ssh_hostkeys:vhost#1:{backend.sftp_url}"


def backend_public_key(lab, backend):
    """(algorithm, base64 blob) of the backend's host key."""
    with open(_host_key(os.path.join(lab.dir, backend.name + "-keys")) + ".pub") as f:
        algorithm, blob = f.read().split()[:2]
    return algorithm, blob


def change_backend_key(lab, backend):
    """The backend restarts on its port with a new host key."""
    backend.stop()
    key = _host_key(os.path.join(lab.dir, backend.name + "-keys"))
    os.remove(key)
    os.remove(key + ".pub")
    _host_key(os.path.dirname(key))
    backend.start(wait=False)
    _wait_ssh(backend.port)


def logs_in(proxy):
    """A password login through the proxy and a directory listing."""
    c = _client(proxy.port, H.USER, H.PASSWORD)
    try:
        c.open_sftp().listdir(".")
        return True
    finally:
        c.close()


def refused(lab, proxy):
    """OpenSSH's ssh through the proxy; its stderr (the DISCONNECT reason)."""
    r = openssh(lab, "ssh", proxy.port, H.USER, H.PASSWORD, [f"{H.USER}@127.0.0.1", "true"], timeout=60)
    assert r.returncode != 0, r
    return r.stderr.decode()


def test_first_use_by_one_proxy_then_a_changed_key_refused_by_the_other(lab):
    r = lab.redis(password="s3cret-ssh-keys")
    b = sftp_backend(lab)
    p1 = redis_ssh_proxy(lab, r, b, "proxy1")
    p2 = redis_ssh_proxy(lab, r, b, "proxy2")
    assert logs_in(p1)
    assert "seen for the first time, recorded" in p1.read("proxy.log")
    algorithm, blob = backend_public_key(lab, b)
    assert r.cli("HGET", hostkey_key(b), "algo") == algorithm
    assert r.cli("HGET", hostkey_key(b), "blob") == blob
    assert r.cli("KEYS", "fleet1:proxy_ssh_hostkeys:*") == hostkey_key(b)
    # proxy2 knows the key from Redis: not a first use there, nothing local
    assert logs_in(p2)
    assert "first time" not in p2.read("proxy.log") and "changed" not in p2.read("proxy.log")
    assert not os.path.exists(os.path.join(p2.tables, "proxy-ssh.db"))

    change_backend_key(lab, b)
    for p in (p2, p1):
        assert "changed" in refused(lab, p)
        assert "host key changed" in p.read("proxy.log") and "refused (ProxySFTPVerifyServer on)" in p.read("proxy.log")
    assert r.cli("HGET", hostkey_key(b), "blob") == blob   # the first key stays


def test_verify_off_records_the_changed_key_for_the_fleet(lab):
    r = lab.redis()
    b = sftp_backend(lab)
    off = redis_ssh_proxy(lab, r, b, "proxyoff", verify="off")
    on = redis_ssh_proxy(lab, r, b, "proxyon")
    assert logs_in(off)
    change_backend_key(lab, b)
    assert logs_in(off)
    assert "recording the new key (ProxySFTPVerifyServer off)" in off.read("proxy.log")
    assert r.cli("HGET", hostkey_key(b), "blob") == backend_public_key(lab, b)[1]
    assert logs_in(on)   # the fleet's key is the new one now


def test_proxies_racing_on_first_use_agree_on_one_key(lab):
    r = lab.redis()
    b = sftp_backend(lab)
    proxies = [redis_ssh_proxy(lab, r, b, f"proxy{i}") for i in range(2)]
    results = []

    def login(p):
        try:
            results.append(logs_in(p))
        except Exception as e:   # noqa: BLE001 - reported by the assert below
            results.append(repr(e))

    threads = [threading.Thread(target=login, args=(p,)) for p in proxies * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [True] * 6, results + [p.read("proxy.log") for p in proxies]
    assert r.cli("HGET", hostkey_key(b), "blob") == backend_public_key(lab, b)[1]
    assert all("changed" not in p.read("proxy.log") for p in proxies)


def test_two_prefixes_keep_their_own_keys(lab):
    r = lab.redis()
    b = sftp_backend(lab)
    pa = redis_ssh_proxy(lab, r, b, "proxyA", prefix="fleetA:")
    assert logs_in(pa)
    old = backend_public_key(lab, b)[1]
    change_backend_key(lab, b)
    pb = redis_ssh_proxy(lab, r, b, "proxyB", prefix="fleetB:")
    assert logs_in(pb)   # fleet B has never seen the backend: a first use
    assert "seen for the first time, recorded" in pb.read("proxy.log")
    assert "changed" in refused(lab, pa)
    assert r.cli("HGET", hostkey_key(b, "fleetA:"), "blob") == old
    assert r.cli("HGET", hostkey_key(b, "fleetB:"), "blob") == backend_public_key(lab, b)[1] != old


@pytest.mark.parametrize("verify", ["on", "off"])
def test_redis_down_never_lets_an_unchecked_key_through_with_verify_on(lab, verify):
    r = lab.redis()
    b = sftp_backend(lab)
    p = redis_ssh_proxy(lab, r, b, "proxy", verify=verify)
    r.stop()
    if verify == "on":
        assert "cannot be checked" in refused(lab, p)
        assert "cannot be checked (redis: " in p.read("proxy.log")
        assert "refused (ProxySFTPVerifyServer on)" in p.read("proxy.log")
    else:
        assert logs_in(p)
        assert "accepted, not recorded (ProxySFTPVerifyServer off)" in p.read("proxy.log")
    log = p.read("proxy.log")
    assert "datastore:" in log and "unable to connect to Redis" in log, log
    r.start()   # back (empty: no persistence): the next session records the key
    assert logs_in(p)
    assert r.cli("HGET", hostkey_key(b), "blob") == backend_public_key(lab, b)[1]


@pytest.mark.parametrize("junk", ["string", "blob-only", "bad-algo"])
def test_junk_under_the_host_key_is_refused_with_a_reason(lab, junk):
    r = lab.redis()
    b = sftp_backend(lab)
    p = redis_ssh_proxy(lab, r, b, "proxy")
    if junk == "string":
        r.cli("SET", hostkey_key(b), "not a hash")
        reason = "unexpected type"
    elif junk == "blob-only":
        r.cli("HSET", hostkey_key(b), "blob", backend_public_key(lab, b)[1])
        reason = "lacks its 'algo' or 'blob' field"
    else:
        r.cli("HSET", hostkey_key(b), "algo", "ssh-ed25519\nx", "blob", backend_public_key(lab, b)[1])
        reason = "is not a valid name"
    assert "cannot be checked" in refused(lab, p)
    assert reason in p.read("proxy.log"), p.read("proxy.log")


def test_a_stopped_redis_costs_a_bounded_wait_then_a_refusal(lab):
    r = lab.redis()
    b = sftp_backend(lab)
    p = redis_ssh_proxy(lab, r, b, "proxy")
    assert logs_in(p)
    r.pause()
    try:
        started = time.monotonic()
        reason = refused(lab, p)
        elapsed = time.monotonic() - started
    finally:
        r.resume()
    assert "cannot be checked" in reason, reason
    # one 500 ms wait (mod_redis's RedisTimeouts), then no Redis for any
    # of the session's stores (reverse state, host keys)
    assert elapsed < 1.5, elapsed
    assert "no answer within 500 ms" in p.read("proxy.log"), p.read("proxy.log")
    assert logs_in(p)
