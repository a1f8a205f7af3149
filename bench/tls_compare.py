#!/usr/bin/env python3
"""FTPS toward backends, side by side: an FTPS backend (mod_tls, session
reuse required) reached directly, through Debian's C mod_proxy and through
this module, both with `ProxyTLSEngine on`. Prints medians and the ratio
Swift / C for: login (TCP connect to 230, the proxy doing the backend's TLS),
RETR and STOR with TLS toward the backend only, RETR and STOR with TLS on
both sides, and K=8 concurrent sessions. Transfers use curl; logins use
ftplib. Under each transfer, the CPU time (user+sys) of the session process
the client talks to, per GiB: the proxy's session child (the backend's when
direct), read from its master's reaped-children times; on a busy machine it
says more than the wall-clock rate.

--also NAME=SO adds another build of this module as a column of its own
(e.g. main's .so next to a branch's), its transfers interleaved with the
others' in every round: on a busy machine only ratios from one run compare.
--stor-null makes every STOR write into a symlink to /dev/null on the
backend: its page cache writes then leave the measurement (on a VM with
free page reporting, such as this one, writing 1 GiB into fresh page cache
costs 0.2 to 0.8 s of CPU depending on how long ago that memory was freed,
which swamps what the proxy in front changes).

usage: bench/tls_compare.py [--rounds N] [--mib N] [--sessions N] [--only LIST]
                            [--proxy-conf LINES] [--hold] [--also NAME=SO ...] [--stor-null]
       (root; REF_SO=/opt/proxy-ref/mod_proxy.so, SWIFT_SO=.build/release/libModProxySwift.so)
"""
import argparse
import os
import ssl
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
SCENARIOS = ("login", "retr", "stor", "both", "bothstor", "conc")
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "integration"))
import harness as H  # noqa: E402
import tls_pki  # noqa: E402


UNVERIFIED = ssl.create_default_context()
UNVERIFIED.check_hostname = False
UNVERIFIED.verify_mode = ssl.CERT_NONE


class Context:
    """What harness.Backend/Proxy need of a test lab."""

    def __init__(self, root, so, has_proxy_protocol, ports):
        self.dir = root
        self.ports = ports
        self.module_dir = H.build_module_dir(os.path.join(root, "modules"), so)
        self.has_proxy_protocol = has_proxy_protocol

    def mkdir(self, name):
        d = os.path.join(self.dir, name)
        os.makedirs(d)
        os.chmod(d, 0o755)
        return d


def modules_under_test():
    """(the C reference's .so, this module's .so): REF_SO and SWIFT_SO, or their defaults."""
    return (os.environ.get("REF_SO", "/opt/proxy-ref/mod_proxy.so"),
            os.environ.get("SWIFT_SO", os.path.join(here, "..", ".build", "release", "libModProxySwift.so")))


def scenarios_wanted(ap, only, known):
    """The scenarios --only names (all when empty); an unknown one is a usage error."""
    wanted = set(only.split(",")) if only else set(known)
    if wanted - set(known):
        ap.error(f"--only: unknown scenario(s) {','.join(sorted(wanted - set(known)))}; known: {','.join(known)}")
    return wanted


def hold(targets, user, password, files):
    """--hold: prints how to reach the daemons, then waits for Ctrl-C or
    SIGTERM (the caller stops the daemons)."""
    for name, t in targets.items():
        print(f"{name}: port {t.port} master pid {t.pid} (user {user} / {password})", flush=True)
    print(f"files: {files}; Ctrl-C or SIGTERM ends", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def curl(url, *args, upload=None):
    cmd = ["curl", "-sS", "--fail", "-k", "-o", "/dev/null", "-w", "%{speed_download} %{speed_upload}", *args]
    if upload:
        cmd += ["-T", upload]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"curl {url}: {out.stderr.strip()}")
    down, up = (float(x) for x in out.stdout.split())
    return (up if upload else down) / 1e6


def reaped_cpu_seconds(daemon):
    """user+sys of the master's reaped children (its finished sessions)."""
    fields = H._stat_fields(daemon.pid)
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def transfer(target, backend, url, *args, upload=None, mib):
    """(MB/s, CPU s/GiB of the session process the client talks to, CPU
    s/GiB of the backend's session process)."""
    daemons = [target] if target is backend else [target, backend]
    for d in daemons:
        if not d.wait_no_sessions():
            raise RuntimeError(f"{d.name}: a previous session did not end")
    before = [reaped_cpu_seconds(d) for d in daemons]
    rate = curl(url, *args, upload=upload)
    for d in daemons:
        if not d.wait_no_sessions():
            raise RuntimeError(f"{d.name}: the transfer's session did not end")
    cpu = [(reaped_cpu_seconds(d) - b) * 1024 / mib for d, b in zip(daemons, before)]
    return rate, cpu[0], cpu[-1]


def isolated_login_ms(target, tls):
    """A login after ProFTPD's masters are back in their accept loop: after
    each session's SIGCHLD a master sleeps (PR_TUNABLE_EINTR_RETRY_INTERVAL),
    which back-to-back sessions would measure instead of the login."""
    time.sleep(0.6)
    return login_ms(target, tls)


def login_ms(target, tls):
    t = time.monotonic()
    f = H.ftplib.FTP_TLS(context=UNVERIFIED, timeout=30) if tls else H.ftplib.FTP(timeout=30)
    f.connect(target.host, target.port)
    if tls:
        f.auth()
    f.login(H.USER, H.PASSWORD)
    ms = (time.monotonic() - t) * 1000
    f.quit()
    return ms


def concurrent_rate(target, tls, k=8, per=6):
    errors = []

    def worker():
        for _ in range(per):
            try:
                login_ms(target, tls)
            except Exception as e:      # counted below
                errors.append(e)

    t = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(k)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return (k * per - len(errors)) / (time.monotonic() - t), len(errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--sessions", type=int, default=15)
    ap.add_argument("--proxy-conf", default="", help="extra lines inside <IfModule mod_proxy.c> of both proxies")
    ap.add_argument("--only", default="", help="comma-separated subset: " + ",".join(SCENARIOS))
    ap.add_argument("--hold", action="store_true", help="start the daemons, print their ports and pids, wait (for perf/strace by hand)")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=SO",
                    help="another build of this module, as one more column (repeatable)")
    ap.add_argument("--stor-null", action="store_true", help="STOR into /dev/null on the backend (no page cache writes)")
    args = ap.parse_args()
    also = []
    for spec in args.also:
        name, _, so = spec.partition("=")
        if not name or not so or name in ("direct", "C", "Swift") or not os.path.isfile(so):
            ap.error(f"--also {spec}: expected NAME=SO with a new name and an existing .so file")
        also.append((name, so))
    wanted = scenarios_wanted(ap, args.only, SCENARIOS)
    ref_so, swift_so = modules_under_test()
    root = tempfile.mkdtemp(prefix="tls-bench-", dir="/tmp")
    os.chmod(root, 0o755)
    ports = H.PortAllocator()
    daemons = []
    try:
        base = Context(os.path.join(root, "base"), swift_so, True, ports)
        os.makedirs(base.dir, exist_ok=True)
        pki = tls_pki.PKI(os.path.join(root, "pki"))
        backend = H.Backend(base, modules=("mod_tls.c",),
                            extra=tls_pki.backend_tls_block(pki.server, os.path.join(root, "backend-tls.log")))
        daemons.append(backend.start())
        big = backend.home_path("big.bin")
        subprocess.run(["dd", "if=/dev/urandom", f"of={big}", "bs=1M", f"count={args.mib}", "status=none"], check=True)
        os.chown(big, H.NOBODY_UID, H.NOBODY_GID)
        upload = os.path.join(root, "upload.bin")
        shutil.copy(big, upload)
        stored = "up.bin"
        if args.stor_null:
            stored = "null.bin"
            os.symlink("/dev/null", backend.home_path(stored))
        front = tls_pki.backend_tls_block(pki.server, os.path.join(root, "front-tls.log"), required="off",
                                          extra="  TLSOptions NoSessionReuseRequired")
        targets = {"direct": backend}
        for name, so, pp in (("C", ref_so, False), ("Swift", swift_so, True), *((n, so, True) for n, so in also)):
            ctx = Context(os.path.join(root, name), so, pp, ports)
            os.makedirs(ctx.dir, exist_ok=True)
            p = H.Proxy(ctx, [backend.url], tls_engine_off=False, proxy_log=False, outside=front,
                        extra=f"  ProxyTLSEngine on\n  ProxyTLSCACertificateFile {pki.ca_cert}\n{args.proxy_conf}")
            daemons.append(p.start())
            targets[name] = p
        if args.hold:
            hold(targets, H.USER, H.PASSWORD, f"big.bin ({args.mib} MiB) on the backend, {upload} to upload")
            return

        results = {}
        def record(scenario, target, value, of=""):
            results.setdefault((scenario, of), {}).setdefault(target, []).append(value)

        def transfer_rows(what, name, target, url, *curl_args, upload=None):
            rate, cpu, backend_cpu = transfer(target, backend, url, *curl_args, upload=upload, mib=args.mib)
            record(f"{what.split()[0]} MB/s, {what.split(maxsplit=1)[1]}", name, rate)
            record("  proxy CPU s/GiB", name, cpu, what)
            record("  backend CPU s/GiB", name, backend_cpu, what)

        for r in range(args.rounds):
            order = list(targets)[r % len(targets):] + list(targets)[:r % len(targets)]
            print(f"round {r + 1}/{args.rounds} {order}", flush=True)
            for name in order:
                t = targets[name]
                direct = name == "direct"
                url = f"ftp://{H.USER}:{H.PASSWORD}@{t.host}:{t.port}/"
                tls_args = ["--ssl-reqd"] if direct else []
                if "login" in wanted:
                    record("login ms", name, statistics.median(isolated_login_ms(t, direct) for _ in range(args.sessions)))
                if "retr" in wanted:
                    transfer_rows("RETR TLS to backend", name, t, url + "big.bin", *tls_args)
                if "stor" in wanted:
                    transfer_rows("STOR TLS to backend", name, t, url + stored, *tls_args, upload=upload)
                if "both" in wanted:
                    transfer_rows("RETR TLS both sides", name, t, url + "big.bin", "--ssl-reqd")
                if "bothstor" in wanted:
                    transfer_rows("STOR TLS both sides", name, t, url + stored, "--ssl-reqd", upload=upload)
                if "conc" in wanted:
                    rate, errors = concurrent_rate(t, direct)
                    record("K=8 sessions/s", name, rate)
                    if errors:
                        print(f"  {name}: {errors} failed concurrent sessions", flush=True)

        mine = ["Swift", *(n for n, _ in also)]
        print(f"\n{'scenario (median of ' + str(args.rounds) + ' rounds)':36} {'direct':>10} {'C':>10}"
              + "".join(f" {n:>10}" for n in mine) + "".join(f" {n + '/C':>8}" for n in mine))
        for (scenario, _), by_target in results.items():
            med = {k: statistics.median(v) for k, v in by_target.items()}
            ratios = "".join(f" {med[n] / med['C']:8.2f}" if med['C'] else f" {'-':>8}" for n in mine)
            print(f"{scenario:36} {med['direct']:10.2f} {med['C']:10.2f}"
                  + "".join(f" {med[n]:10.2f}" for n in mine) + ratios)
        print(f"\ndirect = the FTPS backend itself (FTPS client); through the proxies the client"
              f"\nis plain toward the proxy unless the row says TLS both sides (ProxyTLSEngine on)."
              f"\nMB/s and sessions/s: higher is better; ms and CPU s/GiB (user+sys of the session"
              f"\nprocesses, per GiB: the proxy's child, the backend's child; when direct, both rows"
              f"\nare the backend's): lower. On a busy machine CPU s/GiB says more than MB/s."
              f"\n{args.mib} MiB per transfer{', STORs into /dev/null on the backend' if args.stor_null else ''}.")
    finally:
        for d in reversed(daemons):
            d.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
