"""[swift-only] ProxyTables layout and concurrent use of the datastore."""
import os
import sqlite3
import threading

import pytest

import harness as H

pytestmark = pytest.mark.swift_only


def test_reverse_db_is_sqlite_with_schema_version(lab):
    b, p = lab.pair()
    f = H.connect(p)
    H.bye(f)
    db = os.path.join(p.tables, "proxy-reverse.db")
    assert os.path.isfile(db), os.listdir(p.tables)
    with open(db, "rb") as fh:
        assert fh.read(16) == b"SQLite format 3\x00"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "schema_version" in tables, tables
        rows = con.execute("SELECT * FROM schema_version").fetchall()
        assert rows, "schema_version is empty"
    finally:
        con.close()


def test_twenty_concurrent_sessions(lab):
    b, p = lab.pair()
    b.put_file("marker.txt", b"concurrent")
    errors = []
    results = []
    lock = threading.Lock()

    def one(i):
        try:
            f = H.connect(p, timeout=60)
            try:
                data = H.retr_bytes(f, "marker.txt")
            finally:
                H.bye(f)
            with lock:
                results.append(data)
        except Exception as e:           # collected and asserted below
            with lock:
                errors.append(f"session {i}: {e!r}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert results == [b"concurrent"] * 20
    log = p.read("proxy.log") + p.read("system.log")
    assert "database is locked" not in log.lower(), log[-3000:]
    assert p.wait_no_sessions(15), p.session_children()
