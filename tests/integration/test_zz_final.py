"""Runs last (file order): no daemon of a finished test may still be running.

The shared backend/proxy pair lives until the session ends; the session
fixture's teardown then demands that no proftpd process holds any file of the
suite open (reported as a teardown error otherwise)."""
import harness as H


def test_no_suite_daemons_left(suite):
    shared = suite.root + "/shared/"
    left = []
    for pid in H.proftpd_processes_under(suite.root):
        try:
            fds = H.open_files(pid)
        except OSError:
            continue
        if not any(f.startswith(shared) for f in fds):
            left.append(pid)
    assert not left, [(pid, H.cmdline(pid), H.open_files(pid)) for pid in left]
    running = [d.name + " " + d.dir for d in suite.started
               if d.alive() and not d.dir.startswith(shared)]
    assert not running, running
