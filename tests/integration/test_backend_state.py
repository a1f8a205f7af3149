"""[swift-only] Per-backend state is keyed by the backend, not by its position
in a list: every connect policy with static lists, file: lists, per-user files
and lists with backends this build skips (ftps://), checked by which backend
each session reached and by the rows in ProxyTables/proxy-reverse.db."""
import json
import os
import signal
import sqlite3
import threading
import time

import pytest

import harness as H

pytestmark = pytest.mark.swift_only

SOURCES = ["static", "file", "per-user", "filtered"]


def _json_file(lab, dirname, filename, urls):
    d = lab.mkdir(dirname)
    path = os.path.join(d, filename)
    with open(path, "w") as fh:
        json.dump(urls, fh)
    os.chmod(path, 0o644)
    return path


def _servers(lab, backends, source):
    """ProxyReverseServers arguments naming `backends` the way `source` says."""
    urls = [b.url for b in backends]
    if source == "static":
        return urls
    if source == "file":
        return ["file:" + _json_file(lab, "lists", "backends.json", urls)]
    if source == "per-user":
        path = _json_file(lab, "per-user", f"{H.USER}.json", urls)
        return ["file:" + path.replace(f"{H.USER}.json", "%U.json")]
    if source == "filtered":
        # An ftps:// backend first: skipped by this build, it must not shift
        # the other backends' state onto its row.
        return [f"ftps://127.0.0.1:{lab.ports.port()}"] + urls
    raise ValueError(source)


def _proxy(lab, backends, policy, source, **kw):
    return lab.proxy(_servers(lab, backends, source), policy=policy, **kw)


def _rows(p):
    """{backend_uri: (conn_count, connect_ms)} from the proxy's datastore."""
    con = sqlite3.connect(f"file:{p.tables}/proxy-reverse.db?mode=ro", uri=True, timeout=10)
    try:
        return {uri: (count, ms) for uri, count, ms in con.execute(
            "SELECT backend_uri, conn_count, connect_ms FROM proxy_vhost_backends")}
    finally:
        con.close()


def _sticky(p, table):
    con = sqlite3.connect(f"file:{p.tables}/proxy-reverse.db?mode=ro", uri=True, timeout=10)
    try:
        return [r[0] for r in con.execute(f"SELECT backend_uri FROM {table}")]
    finally:
        con.close()


def _url_of(backends, name):
    return backends[int(name.removeprefix("backend"))].url


def _wait_counts_settle(p, expected):
    """Waits until the datastore's connection counts equal `expected`
    ({uri: count}, every other row 0): sessions record their end as they exit."""
    def settled():
        rows = _rows(p)
        return all(rows.get(u, (0,))[0] == c for u, c in expected.items()) and \
            all(c == 0 for u, (c, _) in rows.items() if u not in expected)
    assert H.wait_until(settled, 10), (expected, _rows(p))


@pytest.mark.parametrize("source", SOURCES)
def test_round_robin_alternates(lab, source):
    backends = H.marker_backends(lab, 2)
    p = _proxy(lab, backends, "RoundRobin", source)
    seen = [H.marker_session(p) for _ in range(6)]
    assert all(a != b for a, b in zip(seen, seen[1:])), seen
    assert sorted(seen) == ["backend0"] * 3 + ["backend1"] * 3, seen


@pytest.mark.parametrize("source", SOURCES)
def test_random_reaches_every_backend(lab, source):
    backends = H.marker_backends(lab, 2)
    p = _proxy(lab, backends, "Random", source)
    seen = {H.marker_session(p) for _ in range(16)}   # all on one: p = 2^-15
    assert seen == {"backend0", "backend1"}, seen
    assert set(_rows(p)) <= {b.url for b in backends}, _rows(p)


@pytest.mark.parametrize("source", SOURCES)
def test_least_conns_counts_the_backend_in_use(lab, source):
    backends = H.marker_backends(lab, 2)
    p = _proxy(lab, backends, "LeastConns", source)
    held = H.connect(p)
    try:
        busy = H.which_backend(held)
        others = []
        for _ in range(3):
            # a session's end is recorded as its process exits, just after
            # the client's QUIT: let it settle before the next one chooses
            _wait_counts_settle(p, {_url_of(backends, busy): 1})
            others.append(H.marker_session(p))
        assert busy not in others, (busy, others)
        # the live session counts on its own backend's row, nowhere else
        _wait_counts_settle(p, {_url_of(backends, busy): 1})
    finally:
        H.bye(held)
    _wait_counts_settle(p, {})


@pytest.mark.parametrize("source", SOURCES)
def test_shuffle_uses_each_backend_once_per_cycle(lab, source):
    backends = H.marker_backends(lab, 2)
    p = _proxy(lab, backends, "Shuffle", source)
    seen = [H.marker_session(p) for _ in range(5)]
    # The readiness probe took the first slot of a cycle unless the backend
    # is chosen at USER (per-user files).
    start = 0 if source == "per-user" else 1
    for cycle in (seen[start:start + 2], seen[start + 2:start + 4]):
        assert sorted(cycle) == ["backend0", "backend1"], seen


@pytest.mark.parametrize("source", SOURCES)
def test_least_response_time_measures_every_backend(lab, source):
    backends = H.marker_backends(lab, 2)
    p = _proxy(lab, backends, "LeastResponseTime", source)
    for _ in range(3):
        H.marker_session(p)
    # unmeasured backends go first, so after three sessions both are measured
    rows = _rows(p)
    for b in backends:
        assert b.url in rows and rows[b.url][1] is not None, rows
    assert all(u in {b.url for b in backends} for u in rows), rows


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("policy,table", [("PerUser", "proxy_vhost_reverse_per_user"),
                                          ("PerHost", "proxy_vhost_reverse_per_host")])
def test_sticky_policies_remember_the_backend(lab, source, policy, table):
    backends = H.marker_backends(lab, 2)
    p = _proxy(lab, backends, policy, source)
    seen = [H.marker_session(p) for _ in range(4)]
    assert len(set(seen)) == 1, seen
    assert _sticky(p, table) == [_url_of(backends, seen[0])]


def test_round_robin_over_a_dead_backend_spreads_evenly(lab):
    backends = H.marker_backends(lab, 2)
    dead = f"ftp://127.0.0.1:{lab.ports.port()}"    # nothing listens there
    p = lab.proxy([dead] + [b.url for b in backends], policy="RoundRobin")
    seen = [H.marker_session(p) for _ in range(6)]
    assert all(a != b for a, b in zip(seen, seen[1:])), seen
    assert sorted(seen) == ["backend0"] * 3 + ["backend1"] * 3, seen
    assert f"backend {dead} held off" in p.read("proxy.log")


def _reload_with_servers(p, servers):
    with open(p.conf) as fh:
        lines = fh.read().splitlines()
    lines = [("  ProxyReverseServers " + " ".join(servers)) if ln.strip().startswith("ProxyReverseServers")
             else ln for ln in lines]
    p.write_conf("\n".join(lines) + "\n")
    assert p.check_syntax().returncode == 0
    os.kill(p.pid, signal.SIGHUP)
    time.sleep(1)
    p.wait_ready()


@pytest.mark.parametrize("policy", ["PerUser", "PerHost"])
def test_stickiness_survives_a_reordered_list(lab, policy):
    backends = H.marker_backends(lab, 3)
    urls = [b.url for b in backends]
    p = lab.proxy(urls, policy=policy)
    first = H.marker_session(p)
    _reload_with_servers(p, list(reversed(urls)))
    assert [H.marker_session(p) for _ in range(3)] == [first] * 3


def test_failed_login_writes_no_sticky_entry(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends, policy="PerUser")
    f = H.ModeFTP(timeout=30)
    f.connect(p.host, p.port)
    try:
        with pytest.raises(H.ftplib.error_perm):
            f.login("no-such-user", "wrong")
    finally:
        H.bye(f)
    assert _sticky(p, "proxy_vhost_reverse_per_user") == []
    H.marker_session(p)
    assert len(_sticky(p, "proxy_vhost_reverse_per_user")) == 1


def test_datastore_failures_are_logged(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends, policy="RoundRobin")
    con = sqlite3.connect(f"{p.tables}/proxy-reverse.db", timeout=10, isolation_level=None,
                          check_same_thread=False)
    con.execute("BEGIN EXCLUSIVE")   # every write waits past the store's busy timeout
    released = threading.Event()

    def release():
        time.sleep(12)
        con.execute("ROLLBACK")
        released.set()

    t = threading.Thread(target=release)
    t.start()
    try:
        assert H.marker_session(p) in ("backend0", "backend1")   # chosen without shared state
    finally:
        t.join(30)
        con.close()
    log = p.read("proxy.log")
    assert "datastore: advancing the round-robin cursor failed" in log, log[-2000:]
    assert "locked" in log or "busy" in log, log[-2000:]


def _set_count(p, url, count):
    con = sqlite3.connect(f"{p.tables}/proxy-reverse.db", timeout=10)
    try:
        con.execute("UPDATE proxy_vhost_backends SET conn_count = ? WHERE backend_uri = ?", (count, url))
        con.commit()
    finally:
        con.close()


def test_a_new_daemon_resets_stale_counts(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends, policy="LeastConns")
    p.stop()
    # as if sessions of a crashed daemon were still counted
    _set_count(p, backends[0].url, 5)
    p.start()
    assert _rows(p)[backends[0].url][0] == 0, _rows(p)


def test_config_test_and_sighup_keep_live_counts(lab):
    backends = H.marker_backends(lab, 2)
    p = lab.proxy(backends, policy="LeastConns")
    held = H.connect(p)
    try:
        busy = _url_of(backends, H.which_backend(held))
        _wait_counts_settle(p, {busy: 1})
        assert p.check_syntax().returncode == 0          # proftpd -t beside the running daemon
        assert _rows(p)[busy][0] == 1, _rows(p)
        os.kill(p.pid, signal.SIGHUP)
        time.sleep(1)
        p.wait_ready()
        assert _rows(p)[busy][0] == 1, _rows(p)
        # and the held session still works after the restart
        assert _url_of(backends, H.which_backend(held)) == busy
    finally:
        H.bye(held)
    _wait_counts_settle(p, {})
