"""A small authoritative DNS server over UDP for the tests: answers A, SRV
and TXT queries from a zone the test sets (and may change while it runs),
and can answer badly on purpose (NXDOMAIN, SERVFAIL, malformed records,
random bytes). Each instance listens on its own 127.0.0.N:53, since
resolv.conf cannot name a port; `harness.with_resolv_conf` points a daemon
at it."""
import os
import socket
import struct
import threading

A, TXT, SRV, AAAA = 1, 16, 33, 28


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def srv(priority, weight, port, target, ttl=60):
    return (SRV, ttl, struct.pack("!HHH", priority, weight, port) + encode_name(target))


def txt(*strings, ttl=60):
    data = b"".join(bytes([len(s)]) + (s if isinstance(s, bytes) else s.encode()) for s in strings)
    return (TXT, ttl, data)


def a(address, ttl=60):
    return (A, ttl, socket.inet_aton(address))


class DNSServer:
    """zone: {(name, qtype): [records] | "nxdomain" | "servfail" | "garbage"}.
    A records for names not in the zone answer 127.0.0.1 (SRV targets)."""

    def __init__(self, address):
        self.address = address
        self.zone = {}
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 53))
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def resolv_conf(self, directory):
        path = os.path.join(directory, f"resolv-{self.address}.conf")
        with open(path, "w") as f:
            f.write(f"nameserver {self.address}\n")
        return path

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()

    def _serve(self):
        while not self.stop:
            try:
                packet, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            try:
                reply = self._answer(packet)
            except (ValueError, IndexError, struct.error):
                continue
            if reply is not None:
                self.sock.sendto(reply, peer)

    def _answer(self, packet):
        qid, _flags, qdcount = struct.unpack("!HHH", packet[:6])
        pos, labels = 12, []
        while packet[pos]:
            n = packet[pos]
            labels.append(packet[pos + 1:pos + 1 + n].decode())
            pos += 1 + n
        question = packet[12:pos + 5]
        qtype = struct.unpack("!H", packet[pos + 1:pos + 3])[0]
        name = ".".join(labels).lower()
        self.queries.append((name, qtype))
        entry = self.zone.get((name, qtype))
        if entry is None and qtype == A:
            entry = [a("127.0.0.1")]
        rcode, records = 0, entry or []
        if entry == "nxdomain":
            rcode, records = 3, []
        elif entry == "servfail":
            rcode, records = 2, []
        elif entry == "garbage":
            return os.urandom(40)
        header = struct.pack("!HHHHHH", qid, 0x8400 | rcode, 1, len(records), 0, 0)
        body = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata
                        for rtype, ttl, rdata in records)
        return header + question + body
