"""Helpers for the PROXY protocol tests (mod_proxy_protocol, and mod_proxy
sending PROXY headers): header builders, a proftpd server that expects
PROXY headers, clients that send one first, an HAProxy runner and log readers.

Everything drives real programs (proftpd, haproxy, ssh-keygen, openssl);
paramiko is the only non-stdlib client and is imported lazily.
"""
import ftplib
import ipaddress
import os
import signal
import socket
import ssl
import struct
import subprocess
import time

import pytest

import harness as H
from conftest import Lab

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
HAPROXY = "/usr/sbin/haproxy"

# The module's log prefix and the SystemLog line of a rejected header.
PP_IDENT = "mod_proxy_protocol/0.6"
REJECT = PP_IDENT + ": rejecting connection from "
UPDATED = PP_IDENT + ": UPDATED client remote address: "

# Session notes written to the ExtendedLog, in this order after the fixed fields.
NOTES = ("alpn", "authority", "unique-id", "tls.version", "tls.cipher", "tls.common-name",
         "aws.vpc-endpoint-id", "azure.private-endpoint-linkid", "tlv.0xE0")
FIELDS = ("addr", "host", "port", "local", "lport", "proto", "cmd", "user", "server") + NOTES
LOG_FORMAT = ("LogFormat pp \"" + "|".join(
    ["%a", "%h", "%{remote-port}", "%L", "%p", "%{protocol}", "%m", "%u", "%v"]
    + ["%{note:mod_proxy_protocol." + n + "}" for n in NOTES]) + "\"")


# ------------------------------------------------------------------ headers


def crc32c(data):
    """CRC-32C (Castagnoli), as the PROXY v2 CRC32C TLV uses."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def tlv(kind, value):
    if isinstance(value, str):
        value = value.encode()
    return bytes([kind]) + struct.pack("!H", len(value)) + value


def ssl_tlv(version=None, cipher=None, cn=None, client=0x01, verify=0):
    subs = b""
    if version is not None:
        subs += tlv(0x21, version)
    if cn is not None:
        subs += tlv(0x22, cn)
    if cipher is not None:
        subs += tlv(0x23, cipher)
    return tlv(0x20, bytes([client]) + struct.pack("!I", verify) + subs)


def v1(src="10.1.2.3", dst="10.9.8.7", sport=51234, dport=2121, proto=None):
    if proto is None:
        proto = "TCP6" if ":" in src else "TCP4"
    return f"PROXY {proto} {src} {dst} {sport} {dport}\r\n".encode()


def v2(src="10.1.2.3", dst="10.9.8.7", sport=51234, dport=2121, tlvs=b"", crc=None,
       cmd=1, version=2, family=None, length=None, block=None):
    """A v2 header. crc: None = no CRC32C TLV, True = a correct one,
    an int = XORed into the correct value (to break it). block replaces the
    address block; length overrides the declared length."""
    if block is None:
        s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
        block = s.packed + d.packed + struct.pack("!HH", sport, dport)
        if family is None:
            family = 0x11 if s.version == 4 else 0x21
    elif family is None:
        family = 0x11
    body = block + tlvs
    if crc is not None:
        body += tlv(0x03, b"\0\0\0\0")
    declared = len(body) if length is None else length
    head = V2_SIGNATURE + bytes([(version << 4) | cmd, family]) + struct.pack("!H", declared)
    out = head + body
    if crc is not None:
        value = crc32c(out) ^ (0 if crc is True else crc)
        out = out[:-4] + struct.pack("!I", value)
    return out


def v2_local():
    return v2(cmd=0, family=0x00, block=b"")


# ------------------------------------------------------------------ keys, certs


def make_host_key(directory):
    """An RSA host key for mod_sftp (PEM, as mod_sftp wants it)."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "ssh_host_rsa_key")
    if not os.path.exists(path):
        subprocess.run(["ssh-keygen", "-q", "-m", "PEM", "-t", "rsa", "-b", "2048", "-N", "",
                        "-f", path], check=True, capture_output=True)
    os.chmod(path, 0o600)
    return path


def tls_block(cert, log, implicit=False):
    opts = "NoSessionReuseRequired" + (" UseImplicitSSL" if implicit else "")
    return f"""<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired off
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile {cert[0]}
  TLSRSACertificateKeyFile {cert[1]}
  TLSOptions {opts}
  TLSLog {log}
</IfModule>"""


def sftp_block(host_key, log):
    return f"""<IfModule mod_sftp.c>
  SFTPEngine on
  SFTPHostKey {host_key}
  SFTPAuthMethods password
  SFTPLog {log}
</IfModule>"""


# ------------------------------------------------------------------ labs


class SharedLab(Lab):
    """conftest's Lab, module-scoped: its directory lives under the suite
    root instead of a test's own tmp dir."""

    def __init__(self, suite, name):
        d = os.path.join(suite.root, name)
        os.makedirs(d)
        os.chmod(d, 0o755)
        super().__init__(suite, d)


def track(lab, daemon):
    """Registers a daemon built here with a Lab/SharedLab (stopped at teardown)
    and with the suite (checked by test_zz_final)."""
    lab.daemons.append(daemon)
    lab.suite.started.append(daemon)
    return daemon


# ------------------------------------------------------------------ server


class PPServer(H.Daemon):
    """proftpd expecting PROXY headers: the module dir of the module under
    test, LoadModule lines in the given order, per-server auth/logs in
    <Global> (so every <VirtualHost> gets them), and an ExtendedLog whose
    lines are `FIELDS` separated by '|'.

    pp: mod_proxy_protocol directives for <Global> (every server).
    vhosts: text appended at the end (e.g. <VirtualHost> sections made with
    self.vhost()); extra: text at top level after <Global>."""

    def __init__(self, ctx, name="ftpd", modules=("mod_proxy_protocol.c",),
                 pp="ProxyProtocolEngine on\nProxyProtocolVersion auto\nProxyProtocolTimeout 2",
                 extra="", foreign=True, ident=None, probe="auto",
                 trace=True, global_extra="", ipv6=False):
        d = ctx.mkdir(name)
        super().__init__(name, d, "127.0.0.1", ctx.ports.port())
        self.ctx = ctx
        self.ident = ident or f"pp-{name}-ident"
        if probe == "auto":      # a header without addresses that the main server accepts
            probe = v2_local() if "ProxyProtocolVersion haproxyV2" in pp + extra else b"PROXY UNKNOWN\r\n"
        self.probe = probe
        self.home = os.path.join(d, "home")
        os.makedirs(self.home)
        os.chown(self.home, H.NOBODY_UID, H.NOBODY_GID)
        self.pasv = ctx.ports.range(30)
        pw, gr = H.make_passwd(d, self.home)
        loads = "".join(f"LoadModule {m}\n" for m in modules)
        tr = f"TraceLog {d}/trace.log\nTrace proxy_protocol:20\n" if trace else ""
        self.write_conf(H._common(d, "127.0.0.1", self.port, ipv6, self.ident, f"pp-{name}", "")
                        + f"""\
ModulePath {ctx.module_dir}
{loads}{tr}{LOG_FORMAT}
<Global>
  AuthOrder mod_auth_file.c
  AuthUserFile {pw}
  AuthGroupFile {gr}
  RequireValidShell off
  AllowOverwrite on
  TimeoutIdle 60
  TimeoutLogin 30
  PassivePorts {self.pasv[0]} {self.pasv[1]}
  TransferLog {d}/xferlog
  ExtendedLog {d}/pp.log ALL pp
  {"AllowForeignAddress on" if foreign else ""}
  <IfModule mod_proxy_protocol.c>
{pp}
  </IfModule>
{global_extra}
</Global>
{extra}
""")

    def vhost(self, body, address="127.0.0.1", port=None, name=None, ident=None):
        """A <VirtualHost> section text (append it with add()); returns (text, port)."""
        port = port or self.ctx.ports.port()
        name = name or f"vhost-{port}"
        ident = ident or f"{name}-ident"
        return (f"""<VirtualHost {address}>
  Port {port}
  ServerName "{name}"
  ServerIdent on "{ident}"
{body}
</VirtualHost>
""", port)

    def add(self, text):
        with open(self.conf, "a") as f:
            f.write(text)

    def wait_ready(self, timeout=20, banner=True):
        """Ready once a client sending `probe` first gets a 220 on the main port."""
        end = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise H.HarnessError(f"{self.name} exited rc={self.proc.returncode} during startup\n"
                                     + self.logs())
            try:
                with socket.create_connection((self.host, self.port), 5) as s:
                    if self.probe:
                        s.sendall(self.probe)
                    got = s.recv(1024)
                if got.startswith(b"220"):
                    H.wait_until(lambda: not self.session_children(), 5)
                    return
            except OSError:
                pass
            if time.monotonic() > end:
                raise H.HarnessError(f"{self.name}: no 220 after the probe header on port "
                                     f"{self.port}\n" + self.logs())
            time.sleep(0.05)

    def put_file(self, relpath, data):
        p = os.path.join(self.home, relpath)
        with open(p, "wb") as f:
            f.write(data)
        os.chown(p, H.NOBODY_UID, H.NOBODY_GID)
        return p

    # -- logs
    def log_mark(self):
        """Offsets of the logs now, for since()."""
        return {n: len(self.read(n))
                for n in ("stderr.log", "system.log", "pp.log", "xferlog", "trace.log")}

    def since(self, mark, name):
        """Text appended to a log since mark; name "server" = the SystemLog
        and stderr together (proftpd -n writes its log lines to stderr)."""
        if name == "server":
            return self.since(mark, "stderr.log") + self.since(mark, "system.log")
        return self.read(name)[(mark or {}).get(name, 0):]

    def entries(self, mark=None):
        """ExtendedLog lines as dicts (FIELDS), optionally only those after mark."""
        text = self.since(mark, "pp.log")
        out = []
        for line in text.splitlines():
            parts = line.split("|")
            if len(parts) == len(FIELDS):
                out.append(dict(zip(FIELDS, parts)))
        return out

    def xfer_hosts(self, mark=None):
        """(remote host, file name) of each TransferLog line."""
        text = self.since(mark, "xferlog")
        out = []
        for line in text.splitlines():
            f = line.split()
            if len(f) > 8:
                out.append((f[6], f[8]))
        return out

    def wait_log(self, mark, name, needle, timeout=5):
        return H.wait_until(lambda: needle in self.since(mark, name), timeout)


def pp_server(lab, start=True, **kw):
    d = track(lab, PPServer(lab, **kw))
    if start:
        d.start()
    return d


# ------------------------------------------------------------------ clients


def _connect_socket(host, port, header, timeout, source):
    s = socket.create_connection((host, port), timeout,
                                 source_address=(source, 0) if source else None)
    if header:
        s.sendall(header)
    return s


class HeaderFTP(H.ModeFTP):
    """ftplib client that sends a PROXY header (raw bytes) right after connecting."""

    def __init__(self, header=b"", mode="PASV", timeout=30, source=None):
        super().__init__(mode, timeout=timeout)
        self.header = header
        self.source_address = (source, 0) if source else None

    def connect(self, host="", port=0, timeout=-999, source_address=None):
        return _connect_after_header(self, host, port)


def _connect_after_header(f, host, port, wrap=None):
    """ftplib connect() for the clients below: the socket, the PROXY header
    first, an optional wrap (implicit TLS), then the greeting."""
    f.host, f.port = host, port
    f.sock = _connect_socket(host, port, f.header, f.timeout,
                             f.source_address[0] if f.source_address else None)
    f.af = f.sock.family
    if wrap is not None:
        f.sock = wrap(f.sock)
    f.file = f.sock.makefile("r", encoding=f.encoding)
    f.welcome = f.getresp()
    return f.welcome


def _client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class HeaderFTPTLS(ftplib.FTP_TLS):
    """Explicit FTPS (AUTH TLS) after a PROXY header; implicit=True wraps
    the control connection in TLS right after the header instead."""

    def __init__(self, header=b"", implicit=False, timeout=30, source=None, sni=None):
        super().__init__(context=_client_context(), timeout=timeout)
        self.header = header
        self.implicit = implicit
        self.sni = sni
        self.source_address = (source, 0) if source else None

    def connect(self, host="", port=0, timeout=-999, source_address=None):
        wrap = (lambda s: self.context.wrap_socket(s, server_hostname=self.sni)) if self.implicit else None
        return _connect_after_header(self, host, port, wrap)

    def auth(self):
        """AUTH TLS, with `sni` as the server name (ftplib would send the
        connected host, no SNI for an address)."""
        host, self.host = self.host, self.sni or self.host
        try:
            return super().auth()
        finally:
            self.host = host


def ftp_session(port, header=b"", login=True, source=None, host="127.0.0.1", mode="PASV"):
    f = HeaderFTP(header, mode=mode, source=source)
    f.connect(host, port)
    if login:
        f.login(H.USER, H.PASSWORD)
        f.voidcmd("TYPE I")
    return f


def retr(f, name):
    buf = []
    f.retrbinary(f"RETR {name}", buf.append)
    return b"".join(buf)


def sftp_session(port, header=b"", source=None, host="127.0.0.1", timeout=20):
    """(transport, SFTPClient) logged in as the test user over a socket that
    first carried `header` (nothing when connecting through HAProxy)."""
    paramiko = pytest.importorskip("paramiko")
    sock = _connect_socket(host, port, header, timeout, source)
    t = paramiko.Transport(sock)
    t.banner_timeout = timeout
    t.auth_timeout = timeout
    t.connect(username=H.USER, password=H.PASSWORD)
    return t, paramiko.SFTPClient.from_transport(t)


class Probe:
    """What a raw client saw: bytes received, whether and when the server
    closed, measured from the moment the last byte was sent."""

    def __init__(self, data, closed, elapsed):
        self.data = data
        self.closed = closed
        self.elapsed = elapsed

    def __repr__(self):
        return f"Probe(closed={self.closed}, elapsed={self.elapsed:.2f}s, data={self.data[:200]!r})"


def probe(port, chunks, gap=0.0, eof=False, wait=8.0, host="127.0.0.1", source=None):
    """Sends chunks (bytes or a list of bytes, `gap` seconds apart), optionally
    half-closes, then reads until the server closes or `wait` passes."""
    if isinstance(chunks, (bytes, bytearray)):
        chunks = [bytes(chunks)]
    s = socket.create_connection((host, port), 5, source_address=(source, 0) if source else None)
    got = b""
    closed = False
    try:
        for i, c in enumerate(chunks):
            if i and gap:
                time.sleep(gap)
            try:
                s.sendall(c)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
        if eof and not closed:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        t0 = time.monotonic()
        end = t0 + wait
        while not closed and time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                b = s.recv(4096)
            except socket.timeout:
                break
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
            if not b:
                closed = True
                break
            got += b
        return Probe(got, closed, time.monotonic() - t0)
    finally:
        s.close()


# ------------------------------------------------------------------ HAProxy


def listening(port):
    """True once something listens on TCP port (from /proc/net/tcp*)."""
    want = f":{port:04X}"
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[1].endswith(want) and parts[3] == "0A":
                        return True
        except OSError:
            continue
    return False


class HAProxy:
    """haproxy -db (foreground) in mode tcp: one frontend per (listen port,
    server line) pair given to add()."""

    def __init__(self, directory, name="haproxy"):
        self.dir = os.path.join(directory, name)
        os.makedirs(self.dir, exist_ok=True)
        self.cfg = os.path.join(self.dir, "haproxy.cfg")
        self.sections = []
        self.ports = []
        self.proc = None

    def add(self, listen_port, server, bind_opts="", frontend_extra="", backend_extra=""):
        n = len(self.sections)
        self.ports.append(listen_port)
        self.sections.append(f"""
frontend fe{n}
  bind 127.0.0.1:{listen_port} {bind_opts}
  {frontend_extra}
  default_backend be{n}

backend be{n}
  {backend_extra}
  server s{n} {server}
""")
        return listen_port

    def start(self, timeout=10):
        with open(self.cfg, "w") as f:
            f.write("""global
  maxconn 200

defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
""" + "".join(self.sections))
        r = subprocess.run([HAPROXY, "-c", "-f", self.cfg], capture_output=True, text=True)
        if r.returncode != 0:
            raise H.HarnessError(f"haproxy -c failed:\n{r.stdout}{r.stderr}\n{open(self.cfg).read()}")
        out = open(os.path.join(self.dir, "haproxy.out"), "w")
        self.proc = subprocess.Popen([HAPROXY, "-f", self.cfg, "-db"], stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        out.close()
        ok = H.wait_until(lambda: self.proc.poll() is not None
                          or all(listening(p) for p in self.ports), timeout)
        if not ok or self.proc.poll() is not None:
            raise H.HarnessError("haproxy did not start:\n" + self.output())
        return self

    def output(self):
        try:
            return open(os.path.join(self.dir, "haproxy.out")).read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
