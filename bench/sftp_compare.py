#!/usr/bin/env python3
"""SFTP/SCP reverse proxying, side by side (issue 11's benchmark): one table
per backend kind (a proftpd with mod_sftp; Debian's sshd with internal-sftp),
the backend reached directly, through Debian's C mod_proxy and through this
module (each a proftpd with mod_sftp in front, the config of
tests/integration/test_sftp_reverse.py with mod_sftp loaded first, which
both modules accept).
Clients are OpenSSH's sftp and scp (password from SSH_ASKPASS). Interleaved
rounds (the order rotates), medians, the ratio Swift / C and Swift / direct:
  - sftp get / put of one file, scp down / up (scp -O: the scp protocol over
    an exec channel, not SFTP): MB/s over the whole client command (login,
    transfer, close: the login is the row below, small against the transfer);
  - under each transfer, the CPU time (user+sys) of the proxy's session
    process per GiB (the backend's own session process when direct), read
    from its master's reaped-children times;
  - login+ls: `sftp -b` with one `ls`, isolated sessions (a pause before
    each, as a ProFTPD master sleeps after each SIGCHLD).

The C module's session process keeps every relayed packet until the session
ends (docs/ssh-reverse-design.md 1.7: 1.7 GiB peak RSS for a 100 MB put), so
the default file is 256 MiB (about 4.5 GiB peak for the C module's put), not
issue 11's 1 GiB (some 17 GiB on a shared 24 GiB machine).

usage: bench/sftp_compare.py [--backends proftpd,sshd] [--rounds N] [--mib N] [--logins N]
                             [--only LIST] [--hold]
       (root; /usr/bin/python3 with pytest and paramiko, as the tests;
        REF_SO=/opt/proxy-ref/mod_proxy.so, SWIFT_SO=.build/release/libModProxySwift.so;
        SFTP_BENCH_KEEP=1 keeps /tmp/sftp-bench-* with the daemons' configs and logs)
"""
import argparse
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "integration"))
import harness as H  # noqa: E402
from tls_compare import Context, hold, modules_under_test, reaped_cpu_seconds, scenarios_wanted  # noqa: E402
from test_sftp_reverse import openssh, sftp_backend, ssh_proxy  # noqa: E402  (the tests' daemons and client)
from test_ssh_transport import SSHServer  # noqa: E402

SCENARIOS = ("login", "get", "put", "scpdown", "scpup")


class Lab(Context):
    """What test_sftp_reverse's helpers need of the tests' `lab` fixture."""

    def backend(self, start=True, **kw):
        b = H.Backend(self, **kw)
        return b.start() if start else b

    def proxy(self, servers, start=True, **kw):
        """The tests' proxy, with mod_sftp loaded before mod_proxy: the C
        module takes an SSH session for FTP otherwise (it answers the
        client's SSH banner as an FTP command); this module accepts both
        orders."""
        p = H.Proxy(self, servers, **kw)
        with open(p.conf) as f:
            text = f.read()
        sftp, proxy = "LoadModule mod_sftp.c\n", "LoadModule mod_proxy.c\n"
        if sftp in text:
            p.write_conf(text.replace(sftp, "").replace(proxy, sftp + proxy))
        return p.start() if start else p


class SSHDBackend:
    """Debian's sshd (the tests' SSHServer, internal-sftp) as the backend,
    with this script's own account (tests may run beside it) and a home of
    its own; what the measuring below needs of a proftpd Daemon."""
    user = "proxy-sshbench"
    password = "bench-pw-4Kq"
    # sshd's session processes are not its listener's children (seen with
    # init as their parent), so the listener's reaped-children times miss them.
    counts_session_cpu = False

    def __init__(self, lab):
        self.home = lab.mkdir("sshd-home")
        self.created = H.system_account(self.user, self.home, self.password)
        os.chown(self.home, pwd.getpwnam(self.user).pw_uid, pwd.getpwnam(self.user).pw_gid)
        self.server = SSHServer(lab, options=(f"AllowUsers {self.user}", "Subsystem sftp internal-sftp"))
        self.name, self.port = "sshd", self.server.port
        self.sftp_url = f"sftp://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.server.proc.pid

    def wait_no_sessions(self, timeout=10):
        return H.wait_until(lambda: not H.children(self.pid), timeout) is not None

    def home_path(self, name):
        return os.path.join(self.home, name)

    def stop(self):
        self.server.stop()
        if self.created:
            H.remove_account(self.user)


class ProftpdBackend:
    """A proftpd with mod_sftp (test_sftp_reverse's) and its AuthUserFile user."""
    user, password = H.USER, H.PASSWORD

    def __new__(cls, lab):
        b = sftp_backend(lab)
        b.user, b.password = cls.user, cls.password
        b.counts_session_cpu = True
        return b


BACKENDS = {"proftpd": ProftpdBackend, "sshd": SSHDBackend}


def timed(lab, tool, target, backend, args):
    """Seconds taken by one OpenSSH command; raises with its stderr if it fails."""
    port = target.port
    started = time.monotonic()
    r = openssh(lab, tool, port, backend.user, backend.password, args, timeout=900)
    seconds = time.monotonic() - started
    if r.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)} on port {port}: exit {r.returncode}: "
                           f"{r.stderr.decode(errors='replace').strip()}")
    return seconds


def measured(lab, target, backend, tool, args, mib):
    """(MB/s, CPU s/GiB of the session process the client talks to, or
    None where its master does not account for it)."""
    for d in {target, backend}:
        if not d.wait_no_sessions(30):
            raise RuntimeError(f"{d.name}: a previous session did not end")
    before = reaped_cpu_seconds(target)
    seconds = timed(lab, tool, target, backend, args)
    if not target.wait_no_sessions(30):
        raise RuntimeError(f"{target.name}: the transfer's session did not end")
    cpu = (reaped_cpu_seconds(target) - before) * 1024 / mib if getattr(target, "counts_session_cpu", True) else None
    return mib * 1024 * 1024 / seconds / 1e6, cpu


def login_ls_ms(lab, target, backend, ls_batch):
    time.sleep(0.6)
    return timed(lab, "sftp", target, backend, ["-b", ls_batch, f"{backend.user}@127.0.0.1"]) * 1000


def bench(kind, args, wanted):
    """One table: the `kind` backend directly, through the C module, through this one."""
    ref_so, swift_so = modules_under_test()
    root = tempfile.mkdtemp(prefix=f"sftp-bench-{kind}-", dir="/tmp")
    os.chmod(root, 0o755)
    ports = H.PortAllocator()
    daemons = []
    try:
        base = Lab(os.path.join(root, "base"), swift_so, True, ports)
        backend = BACKENDS[kind](base)
        daemons.append(backend)
        big = backend.home_path("big.bin")
        subprocess.run(["dd", "if=/dev/urandom", f"of={big}", "bs=1M", f"count={args.mib}", "status=none"], check=True)
        owner = os.stat(backend.home_path("."))
        os.chown(big, owner.st_uid, owner.st_gid)
        upload = os.path.join(root, "upload.bin")
        shutil.copy(big, upload)
        download = os.path.join(root, "download.bin")

        def batch(name, commands):
            path = os.path.join(root, name + ".batch")
            with open(path, "w") as f:
                f.write(commands + "\n")
            return path
        ls = batch("ls", "ls")
        targets = {"direct": backend}
        for name, so, pp in (("C", ref_so, False), ("Swift", swift_so, True)):
            lab = Lab(os.path.join(root, name), so, pp, ports)
            p = ssh_proxy(lab, [backend.sftp_url], name="proxy")
            daemons.append(p)
            targets[name] = p
        if args.hold:
            hold(targets, backend.user, backend.password, f"big.bin ({args.mib} MiB) in {backend.home_path('.')}, {upload} to upload")
            return

        remote = f"{backend.user}@127.0.0.1"
        transfers = (   # scenario, row, tool, arguments
            ("get", "sftp get", "sftp", ["-b", batch("get", f"get big.bin {download}"), remote]),
            ("put", "sftp put", "sftp", ["-b", batch("put", f"put {upload} up.bin"), remote]),
            ("scpdown", "scp down", "scp", ["-O", f"{remote}:big.bin", download]),
            ("scpup", "scp up", "scp", ["-O", upload, f"{remote}:up.bin"]),
        )
        results = {}   # row: {target: [values]}, rows in this order
        for scenario, row, _, _ in (("login", "login+ls ms (isolated)", None, None),) + transfers:
            if scenario in wanted:
                results[row if scenario == "login" else f"{row} MB/s"] = {}
                if scenario != "login":
                    results[f"  {row} proxy CPU s/GiB"] = {}

        def record(row, target, value):
            results.setdefault(row, {}).setdefault(target, []).append(value)

        load = [os.getloadavg()[0]]
        for r in range(args.rounds):
            order = list(targets)[r % 3:] + list(targets)[:r % 3]
            print(f"{kind} round {r + 1}/{args.rounds} {order} load {os.getloadavg()[0]:.2f}", flush=True)
            for name in order:
                t = targets[name]
                if "login" in wanted:
                    record("login+ls ms (isolated)", name,
                           statistics.median(login_ls_ms(base, t, backend, ls) for _ in range(args.logins)))
                for scenario, row, tool, targs in transfers:
                    if scenario not in wanted:
                        continue
                    rate, cpu = measured(base, t, backend, tool, targs, args.mib)
                    record(f"{row} MB/s", name, rate)
                    if cpu is not None:
                        record(f"  {row} proxy CPU s/GiB", name, cpu)
            load.append(os.getloadavg()[0])

        print(f"\n{kind + ' backend, median of ' + str(args.rounds) + ' rounds':34} {'direct':>9} {'C':>9} {'Swift':>9}"
              f" {'Swift/C':>8} {'Swift/direct':>12}")
        for row, by_target in results.items():
            med = {k: statistics.median(v) for k, v in by_target.items()}
            direct = f"{med['direct']:9.2f}" if "direct" in med else f"{'-':>9}"
            ratio = f"{med['Swift'] / med['C']:8.2f}" if med["C"] else f"{'-':>8}"
            of_direct = f"{med['Swift'] / med['direct']:12.2f}" if med.get("direct") and "CPU" not in row else f"{'-':>12}"
            print(f"{row:34} {direct} {med['C']:9.2f} {med['Swift']:9.2f} {ratio} {of_direct}")
        print(f"\ndirect = the {kind} backend itself; C, Swift = a proftpd+mod_sftp proxy in front"
              f"\nof it with Debian's C mod_proxy or this module. {args.mib} MiB per transfer;"
              f"\nMB/s over the whole client command (login included). MB/s: higher is better;"
              f"\nms and CPU s/GiB (user+sys of the proxy's session process; when direct, the"
              f"\nbackend's, not shown for sshd): lower. 1-minute load average during the run: {min(load):.2f}-{max(load):.2f}"
              f" on {os.cpu_count()} CPUs.", flush=True)
    finally:
        for d in reversed(daemons):
            d.stop()
        if not os.environ.get("SFTP_BENCH_KEEP"):
            shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="proftpd,sshd", help="comma-separated, one table each: " + ",".join(BACKENDS))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mib", type=int, default=256, help="file size (MiB); see the docstring before raising it")
    ap.add_argument("--logins", type=int, default=7, help="isolated login+ls sessions per target and round")
    ap.add_argument("--only", default="", help="comma-separated subset: " + ",".join(SCENARIOS))
    ap.add_argument("--hold", action="store_true", help="start the daemons (first backend kind), print their ports and pids, wait (for perf/strace by hand)")
    args = ap.parse_args()
    wanted = scenarios_wanted(ap, args.only, SCENARIOS)
    kinds = args.backends.split(",")
    if set(kinds) - set(BACKENDS):
        ap.error(f"--backends: unknown kind(s) {','.join(sorted(set(kinds) - set(BACKENDS)))}; known: {','.join(BACKENDS)}")
    for kind in kinds:
        bench(kind, args, wanted)
        if args.hold:
            return


if __name__ == "__main__":
    main()
