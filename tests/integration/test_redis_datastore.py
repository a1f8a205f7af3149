"""ProxyDatastore Redis: proxies sharing one real redis-server (through
mod_redis's RedisServer and ProFTPD's Redis API) behave as one proxy;
prefixes keep fleets apart; a lost, stopped or restarted Redis costs a
bounded wait and a log line, never a session."""
import os
import signal
import time

import harness as H

NAMES = ["backend0", "backend1", "backend2"]


def redis_proxy(lab, redis, backends, prefix="fleet1:", policy="RoundRobin", name="proxy", extra="", **kw):
    return lab.proxy(backends, name=name, policy=policy, outside=redis.config(), **kw,
                     extra=f"  ProxyDatastore Redis {prefix}\n{extra}")


def is_rotation(seen, names=NAMES):
    """Each session took the backend after the previous one's."""
    return all(names[(names.index(a) + 1) % len(names)] == b for a, b in zip(seen, seen[1:]))


def held_session(p):
    f = H.connect(p)
    return f, H.which_backend(f)


def counts(redis, prefix="fleet1:"):
    """URL -> sessions counted in Redis for vhost 1."""
    flat = redis.cli("ZRANGE", f"{prefix}proxy_reverse:LeastConns:vhost#1", "0", "-1", "WITHSCORES").split("\n")
    return {flat[i]: float(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}


def two_proxies_holding_sessions_on_the_first(lab):
    """Redis, two backends, two LeastConns proxies; two sessions held open
    through the first proxy."""
    r = lab.redis()
    backends = H.marker_backends(lab, 2)
    p1 = redis_proxy(lab, r, backends, name="proxy1", policy="LeastConns")
    p2 = redis_proxy(lab, r, backends, name="proxy2", policy="LeastConns")
    return r, backends, p1, p2, [held_session(p1)[0] for _ in range(2)]


def kill_proxy(p):
    """SIGKILL the proxy's master and sessions: nothing gets to clean up."""
    os.killpg(p.pgid, signal.SIGKILL)
    p.proc.wait(10)
    assert H.wait_until(lambda: not [x for x in H.processes_in_group(p.pgid) if H.pid_alive(x)], 10)
    p.proc = None


def test_round_robin_on_redis_with_one_proxy(lab):
    r = lab.redis()
    p = redis_proxy(lab, r, H.marker_backends(lab, 3))
    seen = [H.marker_session(p) for _ in range(6)]
    assert is_rotation(seen) and sorted(seen) == sorted(NAMES * 2), seen
    # six sessions and the harness's banner probe, each one INCR
    assert r.cli("HGET", "fleet1:proxy_reverse:Counters:vhost#1", "RoundRobin") == "7"
    assert "parsed but not active" not in p.read("system.log")


def test_two_proxies_alternate_round_robin_through_one_password_protected_redis(lab):
    r = lab.redis(password="s3cret-redis")
    backends = H.marker_backends(lab, 3)
    p1 = redis_proxy(lab, r, backends, name="proxy1")
    p2 = redis_proxy(lab, r, backends, name="proxy2")
    seen = [H.marker_session(p) for p in (p1, p2) * 4]
    assert is_rotation(seen), seen
    assert "failed" not in p1.read("proxy.log") + p2.read("proxy.log")


def test_wrong_redis_password_logs_and_sessions_still_work(lab):
    r = lab.redis(password="right")
    r.password = "wrong"   # the proxy's RedisServer line carries the wrong one
    p = redis_proxy(lab, r, H.marker_backends(lab, 2))
    r.password = "right"
    assert H.marker_session(p) in NAMES[:2]
    log = p.read("proxy.log")
    assert "datastore:" in log and "Redis" in log, log


def test_least_conns_counts_the_sessions_of_both_proxies(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 2)
    p1 = redis_proxy(lab, r, backends, name="proxy1", policy="LeastConns")
    p2 = redis_proxy(lab, r, backends, name="proxy2", policy="LeastConns")
    f1, first = held_session(p1)
    f2, second = held_session(p2)
    f3, third = held_session(p1)
    f4, fourth = held_session(p2)
    try:
        assert first != second, (first, second)     # p2 saw p1's session
        assert third != fourth, (third, fourth)
        assert sorted(counts(r).values()) == [2.0, 2.0], counts(r)
    finally:
        for f in (f1, f2, f3, f4):
            H.bye(f)
    assert p1.wait_no_sessions() and p2.wait_no_sessions()
    assert H.wait_until(lambda: sorted(counts(r).values()) == [0.0, 0.0], 5), counts(r)


def test_per_user_is_sticky_whichever_proxy_the_user_reaches(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 3)
    p1 = redis_proxy(lab, r, backends, name="proxy1", policy="PerUser")
    p2 = redis_proxy(lab, r, backends, name="proxy2", policy="PerUser")
    first = H.marker_session(p1)
    later = [H.marker_session(p) for p in (p2, p1, p2, p2)]
    assert later == [first] * 4, (first, later)
    url = r.cli("HGET", "fleet1:proxy_reverse:PerUser:vhost#1:sticky", H.USER)
    assert url == backends[NAMES.index(first)].url, url


def test_two_prefixes_on_one_redis_never_see_each_other(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 3)
    pa = redis_proxy(lab, r, backends, name="proxyA", prefix="fleetA:")
    pb = redis_proxy(lab, r, backends, name="proxyB", prefix="fleetB:")
    a = [H.marker_session(pa) for _ in range(2)]
    b = [H.marker_session(pb) for _ in range(2)]
    # each fleet's rotation starts afresh: B's first session is A's first
    assert a[0] == b[0] and is_rotation(a) and is_rotation(b), (a, b)
    assert r.cli("HGET", "fleetA:proxy_reverse:Counters:vhost#1", "RoundRobin") == "3"
    assert r.cli("HGET", "fleetB:proxy_reverse:Counters:vhost#1", "RoundRobin") == "3"


def test_sqlite_and_redis_give_the_same_backend_sequence(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 3)
    on_sqlite = lab.proxy(backends, name="sqlite")
    on_redis = redis_proxy(lab, r, backends, name="onredis")
    sequences = {"sqlite": [], "redis": []}
    for step in range(8):
        if step == 3:
            backends[1].stop()   # held off by both after their first failure
        for name, p in (("sqlite", on_sqlite), ("redis", on_redis)):
            sequences[name].append(H.marker_session(p))
    assert sequences["sqlite"] == sequences["redis"], sequences
    assert "backend1" not in sequences["redis"][4:], sequences


def test_shuffle_takes_every_backend_once_per_cycle_across_two_proxies(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 3)
    p1 = redis_proxy(lab, r, backends, name="proxy1", policy="Shuffle")
    p2 = redis_proxy(lab, r, backends, name="proxy2", policy="Shuffle")
    # two banner probes took the first two draws of cycle 0
    seen = [H.marker_session(p) for p in (p1, p2) * 5][1:]
    cycles = [seen[i:i + 3] for i in range(0, 9, 3)]
    assert all(sorted(c) == NAMES for c in cycles), seen


def test_redis_killed_and_restarted_during_a_run_of_sessions(lab):
    r = lab.redis()
    p = redis_proxy(lab, r, H.marker_backends(lab, 3))
    before = [H.marker_session(p) for _ in range(3)]
    assert p.wait_no_sessions()
    r.stop()
    during = [H.marker_session(p) for _ in range(4)]     # no shared state: random starts
    assert all(x in NAMES for x in before + during)
    log = p.read("proxy.log")
    assert "datastore:" in log and "unable to connect to Redis" in log, log
    # one outage, one line for the daemon's sessions (not one per session)
    assert log.count("failed: redis:") == 1 and "other sessions' Redis failures" in log, log
    r.start()
    after = [H.marker_session(p) for _ in range(4)]
    assert is_rotation(after), after
    assert r.cli("HGET", "fleet1:proxy_reverse:Counters:vhost#1", "RoundRobin") == "4"


def test_least_conns_without_redis_spreads_sessions(lab):
    r = lab.redis()
    p = redis_proxy(lab, r, H.marker_backends(lab, 3), policy="LeastConns")
    r.stop()
    seen = [H.marker_session(p) for _ in range(12)]
    # unknown counts are not all 0: a random start, not always the first
    assert len(set(seen)) > 1, seen


def test_a_stopped_redis_costs_a_bounded_wait_and_a_log_line(lab):
    r = lab.redis()
    p = redis_proxy(lab, r, H.marker_backends(lab, 2), extra="  ProxyTimeoutConnect 2")
    H.marker_session(p)
    assert p.wait_no_sessions()
    r.pause()
    try:
        started = time.monotonic()
        name = H.marker_session(p)
        elapsed = time.monotonic() - started
        # its disconnect bookkeeping and close do not hang on the stopped Redis
        assert p.wait_no_sessions(timeout=3), p.session_children()
    finally:
        r.resume()
    assert name in NAMES[:2]
    assert elapsed < 2.0, elapsed           # one mod_redis I/O timeout (500 ms), then no Redis
    log = p.read("proxy.log")
    assert "datastore:" in log and "no answer within 500 ms" in log, log
    assert log.count("datastore:") == 1, log   # one line for the session, not one per call


def test_a_killed_proxy_does_not_leave_its_sessions_counted(lab):
    r, backends, p1, p2, held = two_proxies_holding_sessions_on_the_first(lab)
    other, on = held_session(p2)
    try:
        assert sorted(counts(r).values()) == [1.0, 2.0], counts(r)
        kill_proxy(p1)
        for f in held:
            f.close()
        assert sorted(counts(r).values()) == [1.0, 2.0]   # nobody told Redis yet
        p1.start()                                         # the same proxy again
        assert sorted(counts(r).values()) == [0.0, 1.0], counts(r)
        assert counts(r)[backends[NAMES.index(on)].url] == 1.0   # proxy2's session kept
    finally:
        H.bye(other)


def test_proxydatastore_redis_without_mod_redis_fails_the_config_check(lab):
    backends = H.marker_backends(lab, 1)
    p = lab.proxy(backends, start=False, extra="  ProxyDatastore Redis fleet1:")
    r = p.check_syntax()
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "ProxyDatastore Redis needs mod_redis" in out, out
    # mod_redis without a RedisServer (upstream's own example): a warning, and
    # sessions choose without shared state
    q = lab.proxy(backends, name="proxy2", outside="LoadModule mod_redis.c\n", extra="  ProxyDatastore Redis fleet1:")
    assert "no RedisServer or RedisSentinel" in q.read("stderr.log")   # before SystemLog is open
    assert H.marker_session(q) is not None
    assert "no RedisServer configured" in q.read("proxy.log")


def test_redis_found_through_sentinel(lab):
    master = lab.redis()
    sentinel = lab.redis(name="sentinel", sentinel_of=master)
    backends = H.marker_backends(lab, 2)
    p1 = redis_proxy(lab, sentinel, backends, name="proxy1")
    p2 = redis_proxy(lab, sentinel, backends, name="proxy2")
    seen = [H.marker_session(p) for p in (p1, p2, p1, p2)]
    assert is_rotation(seen, NAMES[:2]), seen
    assert master.cli("HGET", "fleet1:proxy_reverse:Counters:vhost#1", "RoundRobin") == "6"


def test_least_response_time_and_health_are_shared(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 2)
    p1 = redis_proxy(lab, r, backends, name="proxy1", policy="LeastResponseTime")
    p2 = redis_proxy(lab, r, backends, name="proxy2", policy="LeastResponseTime")
    H.marker_session(p1)
    # both backends measured by now (probes and the session); make one slow on record
    key = "fleet1:proxy_reverse:LeastResponseTime:vhost#1"
    r.cli("ZADD", key, "5000", backends[0].url)
    r.cli("ZADD", key, "1", backends[1].url)
    assert [H.marker_session(p2) for _ in range(2)] == ["backend1", "backend1"]
    # a failure seen by proxy1 holds the backend off for proxy2 too
    backends[1].stop()
    assert H.marker_session(p1) == "backend0"
    until = int(r.cli("HGET", "fleet1:proxy_reverse:Health:vhost#1", backends[1].url))
    assert until > time.time()
    assert H.marker_session(p2) == "backend0"
    assert "backend selected: " + backends[0].url + " (policy LeastResponseTime)" in p2.read("proxy.log")


def test_per_host_is_sticky_across_proxies(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 3)
    p1 = redis_proxy(lab, r, backends, name="proxy1", policy="PerHost")
    p2 = redis_proxy(lab, r, backends, name="proxy2", policy="PerHost")
    first = H.marker_session(p1)      # pinned once logged in
    later = [H.marker_session(p) for p in (p2, p2, p1)]
    assert later == [first] * 3, (first, later)
    pinned = r.cli("HGET", "fleet1:proxy_reverse:PerHost:vhost#1:sticky", "127.0.0.1")
    assert pinned == backends[NAMES.index(first)].url, pinned


def test_per_group_is_sticky_across_proxies(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 3)
    pw, gr = H.make_passwd(lab.mkdir("auth"), "/nonexistent")
    auth = f"AuthOrder mod_auth_file.c\nAuthUserFile {pw}\nAuthGroupFile {gr}\nRequireValidShell off\n"
    creds = [b.url.replace("ftp://", f"ftp://{H.USER}:{H.PASSWORD}@") for b in backends]
    p1, p2 = (lab.proxy(creds, name=name, policy="PerGroup", outside=r.config() + auth,
                        extra="  ProxyDatastore Redis fleet1:\n  ProxyOptions UseReverseProxyAuth")
              for name in ("proxy1", "proxy2"))
    first = H.marker_session(p1)
    later = [H.marker_session(p) for p in (p2, p1, p2)]
    assert later == [first] * 3, (first, later)
    url = r.cli("HGET", "fleet1:proxy_reverse:PerGroup:vhost#1:sticky", "nogroup")
    assert url == backends[NAMES.index(first)].url.replace("ftp://", f"ftp://{H.USER}@"), url  # no password


def test_tls_sessions_to_a_backend_are_shared_through_redis(lab):
    import tls_pki
    pki = tls_pki.PKI(os.path.join(lab.dir, "pki"))
    r = lab.redis()
    log = os.path.join(lab.dir, "tls-backend-tls.log")
    b = lab.backend(name="tls-backend", modules=("mod_tls.c",), extra=tls_pki.backend_tls_block(pki.server, log))
    b.put_file("marker.txt", b"tls\n")
    tls = f"  ProxyTLSCACertificateFile {pki.ca_cert}\n"
    p1 = redis_proxy(lab, r, [b], name="proxy1", extra=tls, tls_engine_off=False)
    key = f"fleet1:proxy_tls:session:vhost#1:{b.url}"
    assert H.wait_until(lambda: r.cli("EXISTS", key) == "1", 5), "proxy1's TLS session is not in Redis"
    p2 = redis_proxy(lab, r, [b], name="proxy2", extra=tls, tls_engine_off=False)
    assert H.marker_session(p2) == "tls"
    assert "(resumed session)" in p2.read("proxy.log"), p2.read("proxy.log")[-2000:]
    assert not os.path.exists(os.path.join(p2.tables, "proxy-tls.db"))


def test_a_killed_proxy_that_never_returns_stops_being_counted_once_its_alive_key_expires(lab):
    r, backends, p1, p2, held = two_proxies_holding_sessions_on_the_first(lab)
    alive_keys = r.cli("KEYS", "fleet1:proxy_reverse:Alive:*").split("\n")
    assert len(alive_keys) == 2 and all(r.cli("TTL", k) != "-1" for k in alive_keys), alive_keys
    # p1 alive: the fleet check (lock cleared so this session runs it) keeps its sessions
    r.cli("DEL", "fleet1:proxy_reverse:FleetCheck")
    assert H.marker_session(p2) in NAMES[:2]
    assert sum(counts(r).values()) == 2.0, counts(r)
    kill_proxy(p1)
    for f in held:
        f.close()
    # an hour later its alive key is gone (Redis expired it); the next check repairs
    p1_alive = [k for k in alive_keys if f":{p1.port}" in k]
    assert len(p1_alive) == 1, alive_keys
    r.cli("DEL", p1_alive[0], "fleet1:proxy_reverse:FleetCheck")
    f, _ = held_session(p2)
    try:
        assert sum(counts(r).values()) == 1.0, counts(r)    # only p2's own session
    finally:
        H.bye(f)
    assert "its sessions are no longer counted" in p2.read("proxy.log")
    assert r.cli("SISMEMBER", "fleet1:proxy_reverse:Proxies", p1_alive[0].split("proxy#", 1)[1]) == "0"


def test_hostile_data_under_the_prefix_is_logged_and_survived(lab):
    r = lab.redis()
    backends = H.marker_backends(lab, 3)
    p = redis_proxy(lab, r, backends, policy="PerUser")
    r.cli("HSET", "fleet1:proxy_reverse:Counters:vhost#1", "RoundRobin", "not a number")
    r.cli("SET", "fleet1:proxy_reverse:LeastConns:vhost#1", "a string, not a sorted set")
    r.cli("HSET", "fleet1:proxy_reverse:Health:vhost#1", backends[0].url, "junk")
    r.cli("HSET", "fleet1:proxy_reverse:PerUser:vhost#1:sticky", H.USER, "ftp://no-such-backend:21")
    seen = [H.marker_session(p) for _ in range(3)]
    assert all(x in NAMES for x in seen), seen
    log = p.read("proxy.log")
    assert "answered with an unexpected type" in log, log
    assert "Invalid argument" not in log


def test_sighup_keeps_the_counts_of_running_sessions(lab):
    r, backends, p1, p2, held = two_proxies_holding_sessions_on_the_first(lab)
    try:
        before = counts(r)
        owner = r.cli("GET", f"fleet1:proxy_reverse:Daemon:proxy#{os.uname().nodename}:{p1.port}")
        assert owner.startswith(f"{p1.pid} "), owner
        os.kill(p1.pid, signal.SIGHUP)
        time.sleep(1)
        p1.wait_ready()
        assert counts(r) == before, (before, counts(r))
        assert r.cli("GET", f"fleet1:proxy_reverse:Daemon:proxy#{os.uname().nodename}:{p1.port}") == owner
    finally:
        for f in held:
            H.bye(f)
    assert H.wait_until(lambda: sum(counts(r).values()) == 0.0, 10), counts(r)
