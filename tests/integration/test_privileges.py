"""The proxy session runs chrooted to ProxyTables/empty and without root."""
import os

import harness as H


def test_session_is_chrooted_and_unprivileged(pair):
    b, p = pair
    f = H.connect(p)
    try:
        assert f.sendcmd("NOOP").startswith("200")
        (child,) = p.wait_session_child(1)
        root = H.proc_root(child)
        assert os.path.realpath(root) == os.path.realpath(os.path.join(p.tables, "empty")), root
        ids = H.proc_ids(child)
        assert 0 not in ids["Uid"], ids
        assert ids["Uid"] == [H.NOBODY_UID] * 4, ids
        assert 0 not in ids["Gid"], ids
        # the chroot is empty: nothing to read or write for a compromised session
        assert os.listdir(os.path.join(p.tables, "empty")) == []
        # the master itself still runs as root, as ProFTPD's masters do
        assert H.proc_ids(p.pid)["Uid"][0] == 0
    finally:
        H.bye(f)


def test_session_child_count_follows_clients(pair):
    """One proxy child and one backend child per client; none left after QUIT."""
    b, p = pair
    clients = [H.connect(p) for _ in range(3)]
    try:
        assert len(p.wait_session_child(3)) == 3
        assert len(b.wait_session_child(3)) == 3
    finally:
        for f in clients:
            H.bye(f)
    assert p.wait_no_sessions(10), p.session_children()
    assert b.wait_no_sessions(10), b.session_children()
    assert not [c for c in p.session_children() if c[1] == "Z"]
