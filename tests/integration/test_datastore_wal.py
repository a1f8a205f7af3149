"""[swift-only] The SQLite datastore's write-ahead log stays small. Sessions
run chrooted, where SQLite skips its own checkpoint at the last close (it
takes the file for moved), so proxy-reverse.db-wal kept every frame and each
new session rebuilt the WAL index from megabytes of them. Now every close
checkpoints and truncates it when no one else uses it (the master's too, at
startup and SIGHUP), and journal_size_limit bounds it while sessions overlap."""
import os
import signal
import sqlite3
import threading
import time

import pytest

import harness as H

pytestmark = pytest.mark.swift_only

# Without the bound, 80 sessions left ~650 KB and it grew to ~4 MB (SQLite's
# default autocheckpoint: 1000 pages of 4 KiB).
BOUND = 256 << 10


def _wal(p):
    path = os.path.join(p.tables, "proxy-reverse.db-wal")
    return os.path.getsize(path) if os.path.exists(path) else 0


def _sessions(p, count, parallel=1):
    errors = []

    def run(n):
        for _ in range(n):
            try:
                f = H.connect(p)
                f.retrlines("LIST", lambda _: None)
                H.bye(f)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

    threads = [threading.Thread(target=run, args=(count // parallel,)) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert H.wait_until(lambda: not p.live_session_pids(), 20), p.session_children()


def _rows(p):
    con = sqlite3.connect(f"file:{p.tables}/proxy-reverse.db?mode=ro", uri=True, timeout=10)
    try:
        return dict(con.execute("SELECT backend_uri, conn_count FROM proxy_vhost_backends"))
    finally:
        con.close()


def test_wal_stays_small_after_many_sessions(lab):
    backends = [lab.backend(name="b0"), lab.backend(name="b1")]
    p = lab.proxy([b.url for b in backends], policy="LeastConns")
    _sessions(p, 80)
    sequential = _wal(p)
    _sessions(p, 80, parallel=8)
    concurrent = _wal(p)
    assert sequential < BOUND and concurrent < BOUND, (sequential, concurrent)
    # Nothing was lost: every session was counted and uncounted.
    assert set(_rows(p).values()) == {0}, _rows(p)
    assert "unable" not in p.read("proxy.log"), p.read("proxy.log")
