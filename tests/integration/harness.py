"""Process, config and client helpers for the mod_proxy integration suite.

Everything here drives real programs: /usr/sbin/proftpd daemons (a plain
backend and a reverse proxy loading the module under test) and real FTP
clients (ftplib, curl, lftp).  Stdlib only.
"""
import collections
import ftplib
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time

PROFTPD = "/usr/sbin/proftpd"
STOCK_MODULES = "/usr/lib/proftpd"
DEFAULT_MODULE = "/work/main/.build/release/libModProxySwift.so"

USER = "alice"
PASSWORD = "alice-pw-7Q"
NOBODY_UID = 65534
NOBODY_GID = 65534

BACKEND_IDENT = "backend-ident-XYZ"
PROXY_IDENT = "proxy-own-ident-ABC"

MiB = 1 << 20


class HarnessError(Exception):
    """A daemon or helper could not be set up; the message carries the logs."""


# ------------------------------------------------------------------ /proc


def _stat_fields(pid):
    """Fields of /proc/<pid>/stat after the command name (index 0 = state)."""
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()


def proc_state(pid):
    """Single-letter state ('R', 'S', 'Z', ...) or None if the pid is gone."""
    try:
        return _stat_fields(pid)[0]
    except (OSError, IndexError):
        return None


def pid_alive(pid):
    """True while the process exists and is not a zombie."""
    st = proc_state(pid)
    return st is not None and st != "Z"


def _processes(field, value):
    """(pid, state) of every process whose /proc stat `field` (1 = ppid,
    2 = pgid) equals value, sorted."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = _stat_fields(d)
        except (OSError, IndexError):
            continue
        if int(f[field]) == value:
            out.append((int(d), f[0]))
    return sorted(out)


def children(ppid):
    """Direct children of ppid as a sorted list of (pid, state)."""
    return _processes(1, ppid)


def processes_in_group(pgid):
    return [pid for pid, _ in _processes(2, pgid)]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def processes_mentioning(text):
    """pids of live processes whose command line contains text."""
    me = os.getpid()
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != me and text in cmdline(int(d)):
            if pid_alive(int(d)):
                out.append(int(d))
    return out


def open_files(pid):
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return out


def proftpd_processes_under(root):
    """Live proftpd processes (masters or session children) holding a file under
    root open: ProFTPD rewrites its argv, so the command line cannot tell whose a
    daemon is, but its log descriptors can."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/comm") as f:
                if f.read().strip() != "proftpd":
                    continue
            fds = os.listdir(f"/proc/{d}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{d}/fd/{fd}").startswith(root + "/"):
                    if pid_alive(int(d)):
                        out.append(int(d))
                    break
            except OSError:
                continue
    return sorted(out)


def proc_ids(pid):
    """{'Uid': [real, eff, saved, fs], 'Gid': [...]} from /proc/<pid>/status."""
    r = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Uid", "Gid"):
                r[k] = [int(x) for x in v.split()]
    return r


def proc_root(pid):
    return os.readlink(f"/proc/{pid}/root")


def wait_until(pred, timeout, step=0.05):
    """Poll pred() until truthy; returns its value or None on timeout."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            return None
        time.sleep(step)


# ------------------------------------------------------------------ ports


def xdist_worker():
    """(index, count) of this pytest-xdist worker; (0, 1) without xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not name.startswith("gw") or count < 2:
        return 0, 1
    return int(name[2:]) % count, count


class PortAllocator:
    """Hands out ports that are free on 127.0.0.1 and ::1 right now.

    Ports come from 20000-32767 (below Linux's ephemeral range, so client
    sockets do not steal them). A port is not handed out again until
    `MEMORY` other ports have been: long enough for the daemon it went to
    to have been started and stopped, short enough that a long suite (every
    daemon takes a block of 40 passive ports) does not run out.

    Under pytest-xdist each worker has its own slice of the range: a port
    that one worker checked as free is not taken by another before its
    daemon binds it.
    """

    LOW, HIGH = 20000, 32767
    MEMORY = 4000

    def __init__(self, seed=None, worker=None):
        index, count = worker if worker is not None else xdist_worker()
        width = (self.HIGH - self.LOW) // count
        self.LOW = PortAllocator.LOW + index * width
        self.HIGH = self.LOW + width
        self.MEMORY = min(PortAllocator.MEMORY, width // 3)
        self.used = set()
        self.recent = collections.deque()
        self.rng = random.Random(seed if seed is not None else os.getpid() ^ int(time.time()))

    def _remember(self, ports):
        for p in ports:
            self.used.add(p)
            self.recent.append(p)
        while len(self.recent) > self.MEMORY:
            self.used.discard(self.recent.popleft())

    @staticmethod
    def is_free(port):
        for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if fam == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((host, port))
            except OSError:
                return False
            finally:
                s.close()
        return True

    def port(self):
        for _ in range(2000):
            p = self.rng.randrange(self.LOW, self.HIGH)
            if p not in self.used and self.is_free(p):
                self._remember([p])
                return p
        raise HarnessError("no free port found")

    def range(self, n):
        """(lo, hi) inclusive block of n consecutive free ports."""
        for _ in range(500):
            lo = self.rng.randrange(self.LOW, self.HIGH - n)
            block = range(lo, lo + n)
            if any(p in self.used for p in block):
                continue
            if all(self.is_free(p) for p in block):
                self._remember(block)
                return lo, lo + n - 1
        raise HarnessError(f"no free block of {n} ports found")

    def closed_port(self):
        """A port with nothing listening (connects are refused)."""
        return self.port()


# ------------------------------------------------------------------ files


def make_random_file(path, size, chunk=4 * MiB):
    """Writes size random bytes to path; returns the sha256 hex digest."""
    h = hashlib.sha256()
    with open(path, "wb") as out:
        left = size
        while left:
            b = os.urandom(min(left, chunk))
            h.update(b)
            out.write(b)
            left -= len(b)
    return h.hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(4 * MiB)
            if not b:
                return h.hexdigest()
            h.update(b)


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def make_passwd(directory, home, user=USER, password=PASSWORD):
    """AuthUserFile/AuthGroupFile for one user (uid/gid nobody)."""
    h = subprocess.run(["openssl", "passwd", "-6", password], check=True,
                       capture_output=True, text=True).stdout.strip()
    pw = os.path.join(directory, "ftpd.passwd")
    gr = os.path.join(directory, "ftpd.group")
    with open(pw, "w") as f:
        f.write(f"{user}:{h}:{NOBODY_UID}:{NOBODY_GID}::{home}:/bin/false\n")
    with open(gr, "w") as f:
        f.write(f"nogroup:x:{NOBODY_GID}:\n")
    os.chmod(pw, 0o440)
    os.chmod(gr, 0o440)
    return pw, gr


def make_self_signed_cert(directory, cn="127.0.0.1"):
    """(cert.pem, key.pem) for TLS tests, made with the openssl CLI."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", f"subjectAltName=IP:{cn}",
                    "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


# ------------------------------------------------------------------ module dir


def module_has_symbol(so_path, symbol):
    r = subprocess.run(["nm", "-D", "--defined-only", so_path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise HarnessError(f"nm -D {so_path} failed: {r.stderr}")
    return any(line.split()[-1] == symbol for line in r.stdout.splitlines() if line.split())


def build_module_dir(directory, so_path):
    """Private ModulePath: a copy of the module under test as mod_proxy.so,
    mod_proxy_protocol.so as a symlink to it (one image, one runtime), and
    symlinks to every other stock module."""
    if not os.path.isfile(so_path):
        raise HarnessError(f"MOD_PROXY_SO={so_path} does not exist")
    os.makedirs(directory, exist_ok=True)
    shutil.copy2(so_path, os.path.join(directory, "mod_proxy.so"))
    os.symlink("mod_proxy.so", os.path.join(directory, "mod_proxy_protocol.so"))
    for name in sorted(os.listdir(STOCK_MODULES)):
        if name.endswith(".so") and name not in ("mod_proxy.so", "mod_proxy_protocol.so"):
            os.symlink(os.path.join(STOCK_MODULES, name), os.path.join(directory, name))
    return directory


# ------------------------------------------------------------------ configs


def _common(d, address, port, ipv6, ident, server_name, timeouts):
    return f"""\
ServerType standalone
ServerName "{server_name}"
ServerIdent on "{ident}"
DefaultAddress {address}
Port {port}
SocketBindTight on
UseIPv6 {"on" if ipv6 else "off"}
User nobody
Group nogroup
Umask 022
PidFile {d}/proftpd.pid
ScoreboardFile {d}/proftpd.scoreboard
SystemLog {d}/system.log
DelayTable none
<IfModule mod_delay.c>
  DelayEngine off
</IfModule>
<IfModule mod_ctrls.c>
  ControlsEngine off
</IfModule>
WtmpLog off
UseReverseDNS off
<IfModule mod_ident.c>
  IdentLookups off
</IfModule>
MaxInstances 500
MaxClients none
MaxClientsPerHost none
MaxConnectionsPerHost none
MaxLoginAttempts 100
{timeouts}
"""


DEFAULT_TIMEOUTS = """\
TimeoutIdle 120
TimeoutNoTransfer 120
TimeoutStalled 120
TimeoutLogin 60
"""


class Daemon:
    """One proftpd master run in the foreground (-n) in its own process group."""

    def __init__(self, name, directory, host, port):
        self.name = name
        self.dir = directory
        self.host = host
        self.port = port
        self.conf = os.path.join(directory, "proftpd.conf")
        self.proc = None
        self.pgid = None
        # argv prefix that runs proftpd (e.g. in a UTS namespace); see `in_uts_namespace`
        self.launcher = []

    # -- files
    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def read(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def logs(self, tail=4000):
        parts = []
        for n in ("stderr.log", "system.log", "proxy.log", "trace.log"):
            t = self.read(n)
            if t:
                parts.append(f"--- {self.name} {n} ---\n{t[-tail:]}")
        return "\n".join(parts)

    CRASH_MARKERS = ("Fatal error", "-----BEGIN STACK TRACE-----", "SIGABRT",
                     "terminating (signal", "Segmentation fault")

    def crash_reports(self):
        """Log lines that say a process of this daemon crashed (a session child
        or the master): SIGSEGV/SIGILL/SIGBUS/SIGABRT reports of ProFTPD's signal
        handlers, Swift runtime traps ("Fatal error: ...")."""
        out = []
        for n in ("stderr.log", "system.log"):
            for line in self.read(n).splitlines():
                if any(m in line for m in self.CRASH_MARKERS) and "(signal 15)" not in line:
                    out.append(f"{n}: {line}")
        return out

    def write_conf(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    # -- lifecycle
    def check_syntax(self):
        return subprocess.run(self.launcher + [PROFTPD, "-t", "-c", self.conf],
                              capture_output=True, text=True, timeout=60)

    def start(self, wait=True, banner=True):
        r = self.check_syntax()
        if r.returncode != 0:
            raise HarnessError(f"{self.name}: proftpd -t failed rc={r.returncode}\n"
                               f"{r.stdout}{r.stderr}\n--- config ---\n{self.read('proftpd.conf')}")
        logf = open(self.path("stderr.log"), "w")
        self.proc = subprocess.Popen(self.launcher + [PROFTPD, "-n", "-c", self.conf], stdout=logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        logf.close()
        self.pgid = self.proc.pid
        if wait:
            self.wait_ready(banner=banner)
        return self

    def wait_ready(self, timeout=20, banner=True):
        """Waits for a 220 greeting; with banner=False any reply or an orderly
        close after accept counts (e.g. a proxy whose backends are all down)."""
        end = time.monotonic() + timeout
        fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        while True:
            if self.proc.poll() is not None:
                raise HarnessError(f"{self.name} exited rc={self.proc.returncode} during startup\n"
                                   + self.logs())
            try:
                s = socket.socket(fam, socket.SOCK_STREAM)
                s.settimeout(5)
                s.connect((self.host, self.port))
                got = s.recv(1024)
                s.close()
                if got.startswith(b"220") or (not banner and (got[:1].isdigit() or got == b"")):
                    # our probe's session child must be gone before tests count children
                    wait_until(lambda: not self.session_children(), 5)
                    return
            except OSError:
                pass
            if time.monotonic() > end:
                raise HarnessError(f"{self.name} gave no 220 banner on [{self.host}]:{self.port}\n"
                                   + self.logs())
            time.sleep(0.05)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def session_children(self):
        """[(pid, state)] of the master's direct children (session processes)."""
        if not self.alive():
            return []
        return children(self.proc.pid)

    def live_session_pids(self):
        return [p for p, st in self.session_children() if st != "Z"]

    def wait_session_child(self, count=1, timeout=5):
        """Waits until exactly count live session children exist; returns pids."""
        got = wait_until(lambda: (lambda c: c if len(c) == count else None)(
            self.live_session_pids()), timeout)
        if got is None:
            raise HarnessError(f"{self.name}: expected {count} session child(ren), "
                               f"have {self.session_children()}")
        return got

    def wait_no_sessions(self, timeout=10):
        return wait_until(lambda: not self.session_children(), timeout) is not None

    def stop(self):
        """SIGTERM the whole process group, then SIGKILL; returns the pids that
        had to be killed hard or survived (empty list = clean)."""
        if self.proc is None:
            return []
        leftovers = []
        try:
            os.killpg(self.pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            leftovers.append(self.proc.pid)
        if wait_until(lambda: not [p for p in processes_in_group(self.pgid) if pid_alive(p)], 5) is None:
            leftovers += processes_in_group(self.pgid)
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        wait_until(lambda: not [p for p in processes_in_group(self.pgid) if pid_alive(p)], 5)
        survivors = [p for p in processes_in_group(self.pgid) if pid_alive(p)]
        self.proc = None if not survivors else self.proc
        return sorted(set(leftovers + survivors))


class Backend(Daemon):
    """A plain proftpd FTP server with one AuthUserFile user."""

    def __init__(self, ctx, name="backend", host="127.0.0.1", ident=BACKEND_IDENT,
                 extra="", modules=(), timeouts=DEFAULT_TIMEOUTS, extended_log=True):
        d = ctx.mkdir(name)
        super().__init__(name, d, host, ctx.ports.port())
        self.home = os.path.join(d, "home")
        os.makedirs(self.home)
        os.chown(self.home, NOBODY_UID, NOBODY_GID)
        self.pasv = ctx.ports.range(40)
        pw, gr = make_passwd(d, self.home)
        loads = ""
        if modules:
            loads = f"ModulePath {STOCK_MODULES}\n" + "".join(f"LoadModule {m}\n" for m in modules)
        xlog = ""
        if extended_log:
            xlog = (f'LogFormat xfer "%m %f %b %r"\n'
                    f"ExtendedLog {d}/extended.log ALL xfer\n")
        self.write_conf(_common(d, host, self.port, ":" in host, ident, f"it-{name}", timeouts) + f"""
{loads}
AuthOrder mod_auth_file.c
AuthUserFile {pw}
AuthGroupFile {gr}
RequireValidShell off
AllowOverwrite on
AllowStoreRestart on
PassivePorts {self.pasv[0]} {self.pasv[1]}
TransferLog {d}/xferlog
{xlog}
{extra}
""")

    @property
    def url(self):
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"ftp://{h}:{self.port}"

    def home_path(self, *parts):
        return os.path.join(self.home, *parts)

    def put_file(self, relpath, data):
        p = self.home_path(relpath)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.chown(p, NOBODY_UID, NOBODY_GID)
        return p

    def mkdir(self, relpath):
        p = self.home_path(relpath)
        os.makedirs(p, exist_ok=True)
        os.chown(p, NOBODY_UID, NOBODY_GID)
        return p


class Proxy(Daemon):
    """A proftpd reverse proxy loading the module under test."""

    def __init__(self, ctx, servers, name="proxy", host="127.0.0.1", extra="",
                 tls_module=True, tls_engine_off=True, tables=True, proxy_log=True,
                 trace=False, policy="RoundRobin", timeouts=DEFAULT_TIMEOUTS,
                 ident=PROXY_IDENT, outside="", role="reverse"):
        d = ctx.mkdir(name)
        super().__init__(name, d, host, ctx.ports.port())
        # tables: True = <dir>/tables, False = no ProxyTables line, str = that path verbatim
        self.tables = os.path.join(d, "tables") if tables is True else tables
        self.pasv = ctx.ports.range(40)
        if isinstance(servers, str):
            servers = [servers]
        loads = [f"ModulePath {ctx.module_dir}"]
        if tls_module:
            loads.append("LoadModule mod_tls.c")
        loads.append("LoadModule mod_proxy.c")
        if ctx.has_proxy_protocol:
            loads.append("LoadModule mod_proxy_protocol.c")
        inner = ["ProxyEngine on", f"ProxyRole {role}"]
        if self.tables:
            inner.append(f"ProxyTables {self.tables}")
        if proxy_log:
            inner.append(f"ProxyLog {d}/proxy.log")
        if servers:
            inner.append("ProxyReverseServers " + " ".join(servers))
        if policy:
            inner.append(f"ProxyReverseConnectPolicy {policy}")
        if tls_engine_off:
            inner.append("ProxyTLSEngine off")
        tr = f"TraceLog {d}/trace.log\nTrace proxy:20\n" if trace else ""
        self.write_conf(_common(d, host, self.port, ":" in host, ident, f"it-{name}", timeouts)
                        + "\n".join(loads) + f"""
PassivePorts {self.pasv[0]} {self.pasv[1]}
TransferLog {d}/xferlog
{tr}{outside}
<IfModule mod_proxy.c>
  {chr(10).join("  " + x for x in inner).strip()}
{extra}
</IfModule>
""")


class RedisServer:
    """A redis-server on a free loopback port (no persistence), for
    `ProxyDatastore Redis`; `config()` gives the proxy's mod_redis lines."""

    def __init__(self, ctx, name="redis", password=None, sentinel_of=None):
        self.name = name
        self.dir = ctx.mkdir(name)
        self.host, self.port = "127.0.0.1", ctx.ports.port()
        self.password = password
        self.sentinel_of = sentinel_of   # a RedisServer: run as its Sentinel (master "mymaster")
        self.proc = None

    def start(self):
        args = ["redis-server"]
        if self.sentinel_of:
            conf = os.path.join(self.dir, "sentinel.conf")
            with open(conf, "w") as f:
                f.write(f"sentinel monitor mymaster {self.sentinel_of.host} {self.sentinel_of.port} 1\n")
            args += [conf, "--sentinel"]
        args += ["--port", str(self.port), "--bind", self.host, "--dir", self.dir,
                  "--save", "", "--appendonly", "no", "--logfile", os.path.join(self.dir, "redis.log")]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: self.cli("PING") == "PONG", 10):
            raise HarnessError(f"redis-server on port {self.port} did not answer PING")
        return self

    def config(self):
        if self.sentinel_of:
            return f"LoadModule mod_redis.c\nRedisSentinel {self.host}:{self.port} master mymaster\n"
        auth = f" default {self.password}" if self.password else ""
        return f"LoadModule mod_redis.c\nRedisServer {self.host}:{self.port}{auth}\n"

    def cli(self, *args):
        cmd = ["redis-cli", "-h", self.host, "-p", str(self.port)]
        env = dict(os.environ, REDISCLI_AUTH=self.password) if self.password else None
        r = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=10, env=env)
        return r.stdout.strip()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pause(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self):
        if self.alive():
            self.resume()
            self.proc.kill()
            self.proc.wait(10)
        return []

    def crash_reports(self):
        return []


# ------------------------------------------------------------------ clients


class ModeFTP(ftplib.FTP):
    """ftplib client whose data connections use a fixed command:
    PASV, EPSV (passive) or PORT, EPRT (active), whatever the address family."""

    def __init__(self, mode="PASV", timeout=30):
        super().__init__(timeout=timeout)
        self.replies = []
        self.set_mode(mode)

    def getresp(self):
        """As ftplib's, but records the full text of every reply (e.g. STOU's 150)."""
        try:
            resp = super().getresp()
        except ftplib.Error as e:
            self.replies.append(str(e))
            raise
        self.replies.append(resp)
        return resp

    def set_mode(self, mode):
        mode = mode.upper()
        if mode not in ("PASV", "EPSV", "PORT", "EPRT"):
            raise ValueError(f"unknown data mode {mode!r}")
        self.mode = mode
        self.set_pasv(mode in ("PASV", "EPSV"))

    def makepasv(self):
        if self.mode == "EPSV":
            host, port = ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
        else:
            untrusted, port = ftplib.parse227(self.sendcmd("PASV"))
            host = self.sock.getpeername()[0] if not self.trust_server_pasv_ipv4_address else untrusted
        return host, port

    def makeport(self):
        local = self.sock.getsockname()[0]
        sock = socket.create_server((local, 0), family=self.af, backlog=1)
        port = sock.getsockname()[1]
        if self.mode == "EPRT":
            self.sendeprt(local, port)
        else:
            self.sendport(local, port)
        if self.timeout is not None:
            sock.settimeout(self.timeout)
        return sock


def abort_transfer(f, data_conn=None, timeout=10):
    """RFC 959 abort as BSD ftp does it: Telnet IP + Synch (the IAC sent as
    urgent data), then ABOR.  (ftplib's abort() marks the final LF of
    "ABOR\\r\\n" urgent, which leaves ProFTPD waiting for the end of the line.)
    Returns the replies read until the first 2xx, e.g. ['426 ...', '226 ...']."""
    f.sock.sendall(b"\xff\xf4\xff", socket.MSG_OOB)
    f.sock.sendall(b"\xf2ABOR\r\n")
    if data_conn is not None:       # like lftp: stop reading the data right after ABOR
        data_conn.close()
    replies = []
    end = time.monotonic() + timeout
    old = f.sock.gettimeout()
    try:
        while time.monotonic() < end:
            f.sock.settimeout(max(0.1, end - time.monotonic()))
            r = f.getmultiline()
            f.replies.append(r)
            replies.append(r)
            if r[:1] == "2" or r[:1] == "5":
                break
    finally:
        f.sock.settimeout(old)
    return replies


def connect(daemon, mode="PASV", login=True, timeout=30, user=USER, password=PASSWORD):
    f = ModeFTP(mode, timeout=timeout)
    f.connect(daemon.host, daemon.port)
    if login:
        f.login(user, password)
        f.voidcmd("TYPE I")
    return f


def bye(f):
    """QUIT if the connection still works, close in any case (for finally:)."""
    try:
        f.sock.settimeout(5)
        f.quit()
    except (OSError, EOFError, ftplib.Error, AttributeError):
        pass
    finally:
        f.close()


def retr_bytes(f, name, rest=None):
    buf = []
    f.retrbinary(f"RETR {name}", buf.append, rest=rest)
    return b"".join(buf)


def retr_digest(f, name, rest=None):
    """RETR name; returns (sha256 hex, byte count) without keeping the data."""
    h = hashlib.sha256()
    n = [0]

    def sink(b):
        h.update(b)
        n[0] += len(b)
    f.retrbinary(f"RETR {name}", sink, blocksize=1 << 18, rest=rest)
    return h.hexdigest(), n[0]


def stor_file(f, name, path, cmd="STOR", rest=None, offset=0):
    """Uploads path (from offset) with cmd; returns the final reply."""
    with open(path, "rb") as src:
        src.seek(offset)
        return f.storbinary(f"{cmd} {name}" if name else cmd, src, blocksize=1 << 18, rest=rest)


def retr_to_file(f, name, path, rest=None):
    h = hashlib.sha256()
    with open(path, "wb") as out:
        def sink(b):
            h.update(b)
            out.write(b)
        f.retrbinary(f"RETR {name}", sink, blocksize=1 << 16, rest=rest)
    return h.hexdigest()


def lines_of(f, cmd):
    out = []
    f.retrlines(cmd, out.append)
    return out


def raw_reply(sock_file):
    """Reads one (possibly multi-line) FTP reply from a binary file object;
    returns (code, full_text) or (None, '') on EOF."""
    first = sock_file.readline()
    if not first:
        return None, ""
    text = [first.decode(errors="replace")]
    code = first[:3]
    if first[3:4] == b"-":
        while True:
            ln = sock_file.readline()
            if not ln:
                break
            text.append(ln.decode(errors="replace"))
            if ln[:3] == code and ln[3:4] == b" ":
                break
    return code.decode(errors="replace"), "".join(text)


def replies_to(daemon, commands, timeout=10):
    """Sends each raw command line on a fresh connection after the greeting;
    returns ["CMD -> reply text", ...] (for comparing with a plain server)."""
    s = socket.create_connection((daemon.host, daemon.port), timeout=timeout)
    try:
        f = s.makefile("rb")
        raw_reply(f)
        out = []
        for c in commands:
            try:
                s.sendall(c.encode() + b"\r\n")
                code, text = raw_reply(f)
            except (ConnectionResetError, BrokenPipeError):
                text = ""      # closed by the server: "CMD -> "
            out.append(f"{c.split()[0] if c.split() else c} -> {text.strip()}")
        return out
    finally:
        s.close()


def mod_ban_config(daemon):
    """Config lines loading mod_ban: a ban for each MaxLoginAttempts event."""
    return f"""
LoadModule mod_ban.c
<IfModule mod_ban.c>
  BanEngine on
  BanLog {daemon.dir}/ban.log
  BanTable {daemon.dir}/ban.tab
  BanOnEvent MaxLoginAttempts 1/00:10:00 00:10:00
</IfModule>
"""


def in_uts_namespace(hostname):
    """argv prefix: run the command in a new UTS namespace whose host name is
    `hostname` (root only). exec keeps the pid, so a daemon stays the leader
    of its process group."""
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', hostname]


def with_resolv_conf(path):
    """argv prefix: a private mount namespace where /etc/resolv.conf is `path`."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount --bind "$0" /etc/resolv.conf && exec "$@"', path]


def run(cmd, timeout=120, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)


def worker_account(name):
    """The name of a local test account for this pytest-xdist worker: files
    that share an account run side by side on different workers, and each
    removes the account it created when it ends."""
    index, count = xdist_worker()
    return f"{name}-w{index}" if count > 1 else name


def system_account(name, home, password=None):
    """A local account for sshd tests (sshd needs real ones). Returns whether
    it was created here (then the caller removes it with remove_account).
    Each test file uses its own name: xdist runs files side by side."""
    created = subprocess.run(["id", name], capture_output=True).returncode != 0
    if created:
        r = run(["useradd", "--system", "--home-dir", home, "--shell", "/bin/sh", name])
        assert r.returncode == 0, r.stderr
    # "*" (no password, not locked: sshd refuses "!" for every method) or the given one
    assert run(["usermod", "--home", home, "-p", "*", name]).returncode == 0
    if password is not None:
        assert run(["chpasswd"], input=f"{name}:{password}\n".encode()).returncode == 0
    return created


def remove_account(name):
    """userdel refuses while a process of the account lives (an sshd session
    still closing): retry for a few seconds."""
    wait_until(lambda: run(["userdel", name]).returncode in (0, 6), 10, step=0.2)   # 6: no such user


# ------------------------------------------------------------------ marker backends


def marker_backends(lab, n):
    """n backends named backend0..backend<n-1>, each with marker.txt naming it."""
    backends = []
    for i in range(n):
        b = lab.backend(name=f"backend{i}")
        b.put_file("marker.txt", f"backend{i}\n".encode())
        backends.append(b)
    return backends


def which_backend(f):
    """The name of the marker backend a logged-in client reached."""
    return retr_bytes(f, "marker.txt").decode().strip()


def marker_session(p, **kw):
    """One session through proxy p: connect, log in, name the backend, quit."""
    f = connect(p, **kw)
    try:
        return which_backend(f)
    finally:
        bye(f)


def first_reply(daemon):
    """(code, text) of the first reply a fresh connection gets, then close."""
    s = socket.create_connection((daemon.host, daemon.port), timeout=15)
    try:
        return raw_reply(s.makefile("rb"))
    finally:
        s.close()
