"""ProxyReverseServers sql:/NamedQuery: backend URLs from mod_sql's
SQLNamedQuery (mod_sql + mod_sql_sqlite, a real SQLite file made here),
looked up at USER with the user name as %{0}."""
import os
import socket
import sqlite3

import pytest

import harness as H

QUERY = "get-user-servers"



def _db(lab, rows):
    """A SQLite file with the spec's table, holding (user_name, url) rows."""
    path = os.path.join(lab.dir, "backends.db")
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE proxy_user_servers (user_name TEXT, url TEXT)")
    con.executemany("INSERT INTO proxy_user_servers VALUES (?, ?)", rows)
    con.commit()
    con.close()
    os.chmod(path, 0o644)
    return path


def _sql_conf(lab, db, query=f'SELECT "url FROM proxy_user_servers WHERE user_name = \'%{{0}}\'"',
              options="", load=True, engine="log"):
    if not os.path.exists(os.path.join(lab.module_dir, "mod_sql_sqlite.so")):
        pytest.skip("mod_sql_sqlite.so missing (./install.sh --test-deps installs proftpd-mod-sqlite)")
    loads = "LoadModule mod_sql.c\nLoadModule mod_sql_sqlite.c\n" if load else ""
    return loads + f"""<IfModule mod_sql.c>
  SQLBackend sqlite3
  SQLConnectInfo {db}
  SQLEngine {engine}
  SQLAuthenticate off
  SQLLogFile {lab.dir}/sql.log
  SQLNamedQuery {QUERY} {query}
  {options}
</IfModule>
"""


def _proxy(lab, servers, db, policy="PerUser", **kw):
    return lab.proxy(servers, policy=policy, outside=_sql_conf(lab, db, **kw))


def _user_reply(p, user=H.USER):
    """The proxy's reply to USER (the backend is chosen then)."""
    s = socket.create_connection((p.host, p.port), timeout=15)
    try:
        f = s.makefile("rb")
        code, _ = H.raw_reply(f)
        assert code == "220"
        s.sendall(f"USER {user}\r\n".encode())
        return H.raw_reply(f)
    finally:
        s.close()


def test_sql_rows_choose_the_backend_and_no_rows_fall_back_to_the_global_list(lab):
    b0, b1 = H.marker_backends(lab, 2)
    db = _db(lab, [(H.USER, b1.url), ("someone-else", b0.url)])
    p = lab.proxy([b0.url], policy="PerUser", start=False,
                  outside=_sql_conf(lab, db),
                  extra=f"  ProxyReverseServers sql:/{QUERY}")
    p.start()
    assert H.marker_session(p) == "backend1"
    # No rows for the user: upstream's fallback, the global ProxyReverseServers.
    _db(lab, [("someone-else", b1.url)])
    assert H.marker_session(p) == "backend0"


@pytest.mark.swift_only   # the reference consults sql:/ under PerUser/PerGroup only
def test_sql_is_the_only_source_every_row_a_url(lab):
    b0, b1 = H.marker_backends(lab, 2)
    db = _db(lab, [(H.USER, b0.url), (H.USER, b1.url)])
    p = _proxy(lab, [f"sql:/{QUERY}"], db, policy="RoundRobin")
    seen = {H.marker_session(p) for _ in range(4)}
    assert seen == {"backend0", "backend1"}


@pytest.mark.swift_only   # the reference finds no row: %U is still empty when it asks
def test_sql_query_may_use_mod_sql_variables(lab):
    (b0,) = H.marker_backends(lab, 1)
    db = _db(lab, [(H.USER, b0.url)])
    p = _proxy(lab, [f"sql:/{QUERY}"], db,
               query='SELECT "url FROM proxy_user_servers WHERE user_name = \'%U\'"')
    assert H.marker_session(p) == "backend0"


@pytest.mark.swift_only   # the reference picks the sftp:// row and fails on it
def test_sql_junk_rows_are_skipped_with_a_log_line(lab):
    (b0,) = H.marker_backends(lab, 1)
    db = _db(lab, [(H.USER, "not a url"), (H.USER, "gopher://x.example"), (H.USER, ""),
                   (H.USER, "sftp://127.0.0.1:22"), (H.USER, b0.url)])
    p = _proxy(lab, [f"sql:/{QUERY}"], db)
    assert H.marker_session(p) == "backend0"
    log = p.read("proxy.log")
    assert f"sql:/{QUERY}: skipping row 'not a url'" in log, log
    assert "gopher" in log and "unknown scheme" in log, log
    assert "skipping backend sftp://127.0.0.1:22" in log, log


def _refused(p, needle):
    code, text = _user_reply(p)
    assert code == "421", (code, text)
    assert "no usable backend server found" in text, text
    log = p.read("proxy.log")
    assert needle in log, log


@pytest.mark.swift_only
def test_sql_only_junk_rows_refuse_the_session(lab):
    db = _db(lab, [(H.USER, "junk"), (H.USER, "ftp://")])
    p = _proxy(lab, [f"sql:/{QUERY}"], db)
    _refused(p, f"sql:/{QUERY}: no usable URL for '{H.USER}' (2 value(s) returned)")


@pytest.mark.swift_only
def test_sql_empty_result_without_global_list_refuses_the_session(lab):
    db = _db(lab, [("someone-else", "ftp://127.0.0.1:21")])
    p = _proxy(lab, [f"sql:/{QUERY}"], db)
    _refused(p, f"sql:/{QUERY}: no usable URL for '{H.USER}' (0 value(s) returned)")


@pytest.mark.swift_only
def test_sql_unknown_query_refuses_the_session(lab):
    db = _db(lab, [(H.USER, "ftp://127.0.0.1:21")])
    p = _proxy(lab, ["sql:/no-such-query"], db)
    _refused(p, "SQLNamedQuery 'no-such-query' failed")


@pytest.mark.swift_only
def test_sql_database_error_refuses_the_session(lab):
    db = _db(lab, [(H.USER, "ftp://127.0.0.1:21")])
    p = _proxy(lab, [f"sql:/{QUERY}"], db, options="SQLOptions noDisconnectOnError",
               query='SELECT "url FROM no_such_table WHERE user_name = \'%{0}\'"')
    _refused(p, f"SQLNamedQuery '{QUERY}' failed")


@pytest.mark.swift_only
def test_sql_without_mod_sql_refuses_the_session(lab):
    p = lab.proxy([f"sql:/{QUERY}"], policy="PerUser")
    _refused(p, "mod_sql is not loaded")


@pytest.mark.swift_only
def test_sql_user_name_is_escaped(lab):
    """A quote in the USER name must not break out of the query's string:
    unescaped, the name below would select every row (and reach backend0)."""
    (b0,) = H.marker_backends(lab, 1)
    db = _db(lab, [(H.USER, b0.url)])
    p = _proxy(lab, [f"sql:/{QUERY}"], db)
    code, text = _user_reply(p, user="x' OR '1'='1")
    assert code == "421", (code, text)
    log = p.read("proxy.log")
    assert "backend selected" not in log, log
    assert "no usable URL for 'x' OR '1'='1' (0 value(s) returned)" in log, log


@pytest.mark.swift_only
def test_sql_engine_off_refuses_the_session(lab):
    db = _db(lab, [(H.USER, "ftp://127.0.0.1:21")])
    p = _proxy(lab, [f"sql:/{QUERY}"], db, engine="off")
    _refused(p, f"SQLNamedQuery '{QUERY}': SQLEngine is off")


@pytest.mark.swift_only
def test_sql_database_error_without_no_disconnect_option(lab):
    """mod_sql itself ends a session whose query fails (unless SQLOptions
    noDisconnectOnError): the client sees the connection close, no backend."""
    (b0,) = H.marker_backends(lab, 1)
    db = _db(lab, [(H.USER, b0.url)])
    p = _proxy(lab, [f"sql:/{QUERY}"], db,
               query='SELECT "url FROM no_such_table WHERE user_name = \'%{0}\'"')
    code, text = _user_reply(p)
    assert code in (None, "421"), (code, text)
    assert "backend selected" not in p.read("proxy.log")
    assert "USER" not in b0.read("extended.log")


def test_sql_query_may_use_environment_variables(lab):
    """The FAQ's pattern: the key comes from %{env:...} (there mod_tls's
    TLS_CLIENT_S_DN_CN; here a SetEnv of the proxy's)."""
    (b0,) = H.marker_backends(lab, 1)
    db = _db(lab, [("from-env", b0.url)])
    p = lab.proxy([f"sql:/{QUERY}"], policy="PerUser",
                  outside="SetEnv PROXY_BACKEND_KEY from-env\n" + _sql_conf(
                      lab, db, query='SELECT "url FROM proxy_user_servers WHERE user_name = \'%{env:PROXY_BACKEND_KEY}\'"'))
    assert H.marker_session(p) == "backend0"


@pytest.mark.swift_only   # the reference closes proxy-authenticated sessions (see test_reverse_proxy_auth)
def test_per_group_query_gets_the_primary_group_name(lab):
    """PerGroup with UseReverseProxyAuth: the query's %{0} is the primary
    group of the user the proxy authenticated."""
    from test_reverse_proxy_auth import USERS, _as_alice, _auth_config
    b0, b1 = H.marker_backends(lab, 2)
    db = _db(lab, [("teamA", _as_alice(b0.url)), ("teamB", _as_alice(b1.url))])
    p = lab.proxy([f"sql:/{QUERY}"], policy="PerGroup", extra="  ProxyOptions UseReverseProxyAuth",
                  outside=_auth_config(lab) + _sql_conf(lab, db))
    for user, expected in [("carol", "backend0"), ("dave", "backend1"), ("bob", "backend1")]:
        f = H.connect(p, user=user, password=USERS[user][0])
        try:
            assert H.which_backend(f) == expected, user
        finally:
            H.bye(f)
