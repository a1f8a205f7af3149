"""A small SSH backend made of paramiko's server side, announcing any
version line (`Transport.local_version`): password logins checked against
one password, `exec` channels that count what the client sends ("sink") or
echo the command. It notes what the proxy's transport did: the KEXINITs it
sent (the first is the initial exchange; more are rekeys the proxy started,
since this server starts none) and whether a group exchange used the old
request (message 30)."""
import threading

import paramiko

from test_sftp_reverse import LoopbackService


class _Transport(paramiko.Transport):
    def _parse_kex_init(self, m):
        self.owner.client_kexinits += 1
        result = super()._parse_kex_init(m)
        self.owner.kex_engines.append(self.kex_engine)
        return result


class ParamikoBackend(LoopbackService):
    def __init__(self, host_key_path, version, password, kex=None):
        self.host_key = paramiko.Ed25519Key(filename=host_key_path)
        self.version, self.password, self.kex = version, password, kex
        self.client_kexinits = 0
        self.kex_engines = []        # paramiko's, one per key exchange
        self.sunk = []               # bytes counted by each "sink" command
        super().__init__()

    def serve(self, conn):
        backend = self

        class Server(paramiko.ServerInterface):
            def get_allowed_auths(self, username):
                return "password"

            def check_auth_password(self, username, password):
                return paramiko.AUTH_SUCCESSFUL if password == backend.password else paramiko.AUTH_FAILED

            def check_channel_request(self, kind, chanid):
                return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

            def check_channel_exec_request(self, channel, command):
                threading.Thread(target=backend._run, args=(channel, command), daemon=True).start()
                return True

        t = _Transport(conn)
        t.owner = self
        t.local_version = self.version
        # This server never starts a rekey itself: any rekey is the proxy's.
        t.packetizer.REKEY_BYTES = t.packetizer.REKEY_PACKETS = 1 << 50
        t.add_server_key(self.host_key)
        if self.kex:
            t.get_security_options().kex = self.kex
            t.load_server_moduli()
        self.closeables.append(t)
        try:
            t.start_server(server=Server())
        except (paramiko.SSHException, EOFError, OSError):
            pass

    @property
    def old_style_gex(self):
        """Per group exchange: True when the proxy sent the old request."""
        return [e.old_style for e in self.kex_engines if hasattr(e, "old_style")]

    def _run(self, channel, command):
        if command == b"sink":
            n = 0
            while True:
                data = channel.recv(1 << 20)
                if not data:
                    break
                n += len(data)
            self.sunk.append(n)
            channel.sendall(b"%d\n" % n)
        else:
            channel.sendall(b"echo:" + command + b"\n")
        channel.send_exit_status(0)
        channel.close()
