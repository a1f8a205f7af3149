#!/usr/bin/env python3
"""ProxyDatastore Redis against SQLite on one machine: the extra latency
per login and the session rate. Three setups over the same two backends,
RoundRobin: one proxy with the SQLite datastore; one proxy with Redis; two
proxies sharing one Redis (sessions alternate between them). Prints medians
of isolated logins (TCP connect to 230, then QUIT; a pause between them,
since a ProFTPD master accepting back-to-back connections adds ~200 ms
sleeps of its own, with or without a proxy module) and K concurrent clients'
sessions/s.

usage: bench/redis_compare.py [--logins N] [--seconds S] [--clients K] [--policy P]
       (root; SWIFT_SO=.build/release/libModProxySwift.so)
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "integration"))
import harness as H  # noqa: E402
from tls_compare import Context  # noqa: E402  (what harness daemons need of a lab)


def login_ms(p):
    started = time.perf_counter()
    f = H.connect(p)
    f.quit()
    return (time.perf_counter() - started) * 1000


def rate(proxies, seconds, clients):
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(i):
        n = 0
        while time.monotonic() < stop:
            login_ms(proxies[n % len(proxies)])
            n += 1
        done[i] = n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logins", type=int, default=40)
    ap.add_argument("--pause", type=float, default=0.5)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--policy", default="RoundRobin")
    args = ap.parse_args()
    so = os.environ.get("SWIFT_SO", os.path.join(here, "..", ".build", "release", "libModProxySwift.so"))
    root = tempfile.mkdtemp(prefix="redis-bench-", dir="/tmp")
    os.chmod(root, 0o755)
    ctx = Context(root, so, True, H.PortAllocator())
    daemons = []
    try:
        backends = [H.Backend(ctx, name=f"backend{i}").start() for i in range(2)]
        redis = H.RedisServer(ctx).start()
        daemons += backends + [redis]

        def proxy(name, datastore):
            outside = redis.config() if datastore != "SQLite" else ""
            p = H.Proxy(ctx, [b.url for b in backends], name=name, policy=args.policy, outside=outside,
                        extra=f"  ProxyDatastore {datastore}", proxy_log=False)
            daemons.append(p)
            return p.start()

        setups = {
            "SQLite, 1 proxy": [proxy("sqlite", "SQLite")],
            "Redis, 1 proxy": [proxy("redis1", "Redis bench:")],
        }
        setups["Redis, 2 proxies"] = setups["Redis, 1 proxy"] + [proxy("redis2", "Redis bench:")]
        print(f"{args.policy}; {args.logins} isolated logins; {args.clients} clients for {args.seconds:g}s")
        print(f"| setup | login ms (median) | login ms (p90) | K={args.clients} sessions/s |")
        print("|---|---|---|---|")
        for name, proxies in setups.items():
            times = []
            for i in range(args.logins):
                time.sleep(args.pause)
                times.append(login_ms(proxies[i % len(proxies)]))
            times.sort()
            per_s = rate(proxies, args.seconds, args.clients)
            print(f"| {name} | {statistics.median(times):.2f} | {times[int(len(times) * 0.9)]:.2f} | {per_s:.1f} |")
    finally:
        for d in reversed(daemons):
            d.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
