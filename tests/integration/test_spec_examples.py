"""Every configuration example of the upstream documentation (shared/spec/
mod_proxy.txt and mod_proxy_protocol.txt) passes `proftpd -t` unchanged.

Only paths to files that must exist (host keys, JSON lists, CA files) are
pointed at files made here; everything else is the documentation's text.
"""
import json
import os
import subprocess

import pytest

import harness as H


def _config_check(lab, name, body, loads=("mod_tls.c", "mod_proxy.c")):
    d = lab.mkdir(name)
    modules = "\n".join(f"LoadModule {m}" for m in loads)
    pp = "LoadModule mod_proxy_protocol.c\n" if lab.has_proxy_protocol else ""
    text = (H._common(d, "127.0.0.1", lab.ports.port(), False, "spec", f"spec-{name}", H.DEFAULT_TIMEOUTS)
            + f"ModulePath {lab.module_dir}\n{modules}\n{pp}" + body)
    conf = os.path.join(d, "proftpd.conf")
    with open(conf, "w") as f:
        f.write(text)
    # The agent example reads the agent's socket from the environment.
    env = dict(os.environ, SSH_AUTH_SOCK=os.path.join(d, "agent.sock"))
    r = subprocess.run([H.PROFTPD, "-t", "-c", conf], capture_output=True, text=True, timeout=60, env=env)
    return r.returncode, r.stdout + r.stderr, d


TABLES = "ProxyTables @DIR@/tables\n"

EXAMPLES = {
    "datastore-redis": ("mod_redis.c",
        "<IfModule mod_proxy.c>\n  " + TABLES + " ProxyEngine on\n"
        "  <IfModule mod_redis.c>\n    # Use our IP address as our prefix\n"
        "    ProxyDatastore Redis 1.2.3.4.\n  </IfModule>\n</IfModule>\n"),
    "forward-enabled-class":
        "<Class forward-proxy>\n  From 1.2.3.4/12\n\n"
        "  # Allow clients from this class to use FTP forward proxying\n"
        "  ProxyForwardEnabled on\n</Class>\n" + TABLES,
    "forward-to": TABLES + "# Limit forward proxying to specific host and port\nProxyForwardTo ^ftp.example.com:21$\n",
    "options-proxy-protocol": TABLES + "ProxyOptions UseProxyProtocolV1\n",
    "options-allow-foreign": TABLES + "ProxyOptions AllowForeignAddress\n",
    "options-ignore-foreign": TABLES + "ProxyOptions IgnoreForeignAddress\n",
    "options-direct": TABLES + "ProxyOptions UseDirectDataTransfers\n",
    "reverse-servers-urls": TABLES +
        "ProxyReverseServers ftp://ftp1.example.com:2121 ftps://1.2.3.4 ftp://[::ffff:6.7.8.9]:2121\n",
    "reverse-servers-srv": TABLES + "ProxyReverseServers ftp+srv://_ftp._tcp.castaglia.org\n",
    "reverse-servers-txt": TABLES + "ProxyReverseServers ftp+txt://castaglia.org\n",
    "reverse-servers-json": TABLES + "ProxyReverseServers file:@DIR@/backends.json\n",
    "reverse-servers-sql": ("mod_sql.c",
        "<IfModule mod_sql.c>\n  SQLNamedQuery get-user-servers SELECT \"url FROM proxy_user_servers "
        "WHERE user_name = %{0}\"\n</IfModule>\n" + TABLES +
        "ProxyRole reverse\nProxyReverseConnectPolicy PerUser\nProxyReverseServers sql:/get-user-servers\n"),
    "sftp-host-keys":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  " + TABLES +
        "  ProxySFTPHostKey @DIR@/ssh_host_rsa_key\n  ProxySFTPHostKey @DIR@/ssh_host_ecdsa_key\n"
        "  ProxySFTPHostKey @DIR@/ssh_host_ed25519_key\n</IfModule>\n",
    "sftp-host-key-agent": TABLES + "ProxySFTPHostKey agent:%{env:SSH_AUTH_SOCK}\n",
    "sftp-weak-dh": TABLES + "ProxySFTPOptions AllowWeakDH\n",
    "sftp-passphrase": TABLES + "ProxySFTPPassPhraseProvider @DIR@/get-ssh-passphrase\n",
    "sftp-server-alive": TABLES + "ProxySFTPServerAlive 3 15\n",
    "timeout-connect": TABLES + "ProxyTimeoutConnect 1sec\n",
    "tls-ca-file": TABLES + "ProxyTLSCACertificateFile @DIR@/cacerts.pem\n",
    "tls-ca-path": TABLES + "ProxyTLSCACertificatePath @DIR@/cacerts/\n",
    "tls-crl-file": TABLES + "ProxyTLSCARevocationFile @DIR@/cacrls.pem\n",
    "tls-crl-path": TABLES + "ProxyTLSCARevocationPath @DIR@/cacrls/\n",
    "tls-cert-file": TABLES + "ProxyTLSCertificateFile @DIR@/client-cert.pem\n",
    "tls13-ciphers": TABLES + "# Configure TLSv1.3 ciphersuites\n"
        "ProxyTLSCipherSuite TLSv1.3 TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256\n",
    "tls-options": TABLES + "ProxyTLSOptions EnableDiags\n",
    "tls-psk": TABLES + "ProxyTLSPreSharedKey MyPSK hex:@DIR@/psk.key\n",
    "tls-protocol-list": TABLES + "ProxyTLSProtocol SSLv3 TLSv1\n",
    "tls-protocol-all-minus": TABLES + "ProxyTLSProtocol ALL -SSLv3\n",
    "forward-proxy":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  ProxyLog @DIR@/proxy.log\n  ProxyTables @DIR@/tables\n\n"
        "  ProxyRole forward\n  ProxyForwardMethod user@host\n  ProxyForwardTo ^ftp\\.example\\.com\\:21$ [NC]\n"
        "</IfModule>\n",
    "reverse-proxy":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  ProxyLog @DIR@/proxy.log\n  ProxyTables @DIR@/tables\n\n"
        "  ProxyRole reverse\n  ProxyReverseConnectPolicy RoundRobin\n"
        "  ProxyReverseServers ftp://ftp-backend1.example.com:2121 ftp://ftp-backend2.example.com:2121\n"
        "</IfModule>\n",
    "reverse-per-user":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  ProxyLog @DIR@/proxy.log\n  ProxyTables @DIR@/tables\n\n"
        "  ProxyRole reverse\n  ProxyReverseConnectPolicy PerUser\n\n"
        "  # We need to provide a pool of backend servers as a fallback\n"
        "  ProxyReverseServers ftp://ftp-backend1.example.com:2121 ftp://ftp-backend2.example.com:2121\n\n"
        "  # Look up per-user backend servers from user-specific JSON files\n"
        "  ProxyReverseServers file:@DIR@/backends/%U.json\n</IfModule>\n",
    "reverse-per-group":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  ProxyLog @DIR@/proxy.log\n  ProxyTables @DIR@/tables\n\n"
        "  ProxyRole reverse\n  ProxyReverseConnectPolicy PerGroup\n  ProxyOptions UseReverseProxyAuth\n\n"
        "  ProxyReverseServers ftp://ftp-backend1.example.com:2121 ftp://ftp-backend2.example.com:2121\n"
        "  ProxyReverseServers file:@DIR@/backends/%g.json\n</IfModule>\n",
    "reverse-ftps":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  ProxyLog @DIR@/proxy.log\n  ProxyTables @DIR@/tables\n\n"
        "  ProxyRole reverse\n  ProxyReverseConnectPolicy RoundRobin\n"
        "  ProxyReverseServers ftp://ftp-backend1.example.com:2121 ftp://ftp-backend2.example.com:2121\n\n"
        "  # Use FTPS when supported/available by the backend server\n  ProxyTLSEngine auto\n\n"
        "  # List of trusted root CAs\n  ProxyTLSCACertificateFile @DIR@/cacerts.pem\n</IfModule>\n",
    "implicit-ftps": TABLES + "ProxyReverseServers ftps://ftp.example.com:990\n",
    "sftp-reverse":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  ProxyLog @DIR@/proxy.log\n  ProxyTables @DIR@/tables\n\n"
        "  ProxyRole reverse\n  ProxyReverseConnectPolicy RoundRobin\n"
        "  ProxyReverseServers sftp://ssh-backend1.example.com:2222 sftp://ssh-backend2.example.com\n</IfModule>\n",
    "trace": TABLES + "TraceLog @DIR@/proxy-trace.log\nTrace proxy:20\n",
    "ifclass-per-host": ("mod_ifsession.c",
        TABLES + "<Class proxied-clients>\n</Class>\n\nProxyRole reverse\nProxyReverseConnectPolicy PerHost\n\n"
        "<IfClass proxied-clients>\n  ProxyReverseServers ftp://ftp-special1.example.com:2121 "
        "ftp://ftp-special2.example.com:2121\n</IfClass>\n\n"
        "<IfClass !proxied-clients>\n  ProxyReverseServers ftp://ftp-backend1.example.com:2121 "
        "ftp://ftp-backend2.example.com:2121\n</IfClass>\n"),
    "reverse-proxy-auth-uri-creds":
        "<IfModule mod_proxy.c>\n  ProxyEngine on\n  ProxyLog @DIR@/proxy.log\n  ProxyTables @DIR@/tables\n\n"
        "  ProxyRole reverse\n\n  # Make sure to authenticate in the proxy itself\n  ProxyOptions UseReverseProxyAuth\n"
        "  ProxyReverseConnectPolicy RoundRobin\n\n"
        "  ProxyReverseServers ftp://user1:password1@ftp-backend1.example.com:2121 "
        "ftp://user2:password2@ftp-backend2.example.com:2121\n</IfModule>\n",
    "limit-list": TABLES + "<Limit LIST>\n  DenyGroup somegroup\n</Limit>\n",
    "forward-proxy-auth-methods": TABLES +
        "ProxyRole forward\n# Either of these two methods result in proxy auth\nProxyForwardMethod proxyuser,user@host\n",
    "cert-cn-sql": ("mod_sql.c",
        "<IfModule mod_tls.c>\n  TLSOptions StdEnvVars\n</IfModule>\n"
        "<IfModule mod_sql.c>\n  SQLNamedQuery get-user-servers SELECT \"url FROM proxy_backends WHERE "
        "common_name = '%{env:TLS_CLIENT_S_DN_CN}'\"\n</IfModule>\n"
        "<IfModule mod_proxy.c>\n  " + TABLES + "  ProxyRole reverse\n  ProxyReverseConnectPolicy PerUser\n"
        "  ProxyReverseServers sql:/get-user-servers\n</IfModule>\n"),
    # mod_proxy_protocol.txt
    "pp-ignore-class": ("mod_ifsession.c",
        "<Class untrusted-senders>\n  From 1.2.3.4\n  From 5.6.7.8\n</Class>\n\n"
        "<IfModule mod_proxy_protocol.c>\n  # We always to read PROXY protocol headers from clients...\n"
        "  ProxyProtocolEngine on\n\n  # ...but we don't always trust the senders\n"
        "  <IfClass untrusted-senders>\n    ProxyProtocolIgnore on\n  </IfClass>\n</IfModule>\n"),
    "pp-options": "ProxyProtocolOptions UseProxiedServerAddress\n",
    "pp-example":
        "<IfModule mod_proxy_protocol.c>\n  ProxyProtocolEngine on\n  ProxyProtocolTimeout 3sec\n\n"
        "  # Necessary to allow data transfers\n  AllowForeignAddress on\n</IfModule>\n",
    "pp-class": ("mod_ifsession.c",
        "<Class expect-proxy-protocol>\n  From 192.168.18.33/24\n  From 192.168.33.2\n  From 10.0.0.0/8\n</Class>\n\n"
        "<IfClass expect-proxy-protocol>\n  <IfModule mod_proxy_protocol.c>\n"
        "    # Enable PROXY protocol support for clients in this class\n    ProxyProtocolEngine on\n\n"
        "    # Necessary to allow data transfers from this class\n"
        "    AllowForeignAddress expect-proxy-protocol\n  </IfModule>\n</IfClass>\n"),
}


def _prepare_files(d):
    with open(os.path.join(d, "backends.json"), "w") as f:
        json.dump(["ftp://ftp1.example.com:2121", "ftp://[::ffff:6.7.8.9]:2121"], f)
    os.chmod(os.path.join(d, "backends.json"), 0o644)
    os.makedirs(os.path.join(d, "backends"), exist_ok=True)
    for kind in ("rsa", "ecdsa", "ed25519"):
        key = os.path.join(d, f"ssh_host_{kind}_key")
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-m", "PEM", "-f", key],
                       check=True, capture_output=True)
        os.chmod(key, 0o600)
    helper = os.path.join(d, "get-ssh-passphrase")
    with open(helper, "w") as f:
        f.write("#!/bin/sh\necho secret\n")
    os.chmod(helper, 0o755)
    cert, key = H.make_self_signed_cert(d)
    for name in ("cacerts.pem", "cacrls.pem", "client-cert.pem"):
        with open(cert, "rb") as src, open(os.path.join(d, name), "wb") as dst:
            dst.write(src.read())
    for name in ("cacerts", "cacrls"):
        os.makedirs(os.path.join(d, name), exist_ok=True)
    with open(os.path.join(d, "psk.key"), "w") as f:
        f.write(os.urandom(80).hex() + "\n")
    os.chmod(os.path.join(d, "psk.key"), 0o600)


# The C reference resolves backend host names at config time (no DNS here),
# so this is a promise of this module only.
@pytest.mark.swift_only
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_spec_example_passes_config_check(lab, name):
    example = EXAMPLES[name]
    extra_module, body = (example if isinstance(example, tuple) else (None, example))
    if name.startswith("pp-") and not lab.has_proxy_protocol:
        pytest.skip("module has no mod_proxy_protocol")
    loads = ["mod_tls.c", "mod_sftp.c"] + ([extra_module] if extra_module else []) + ["mod_proxy.c"]
    d = lab.mkdir(name)
    _prepare_files(d)
    body = body.replace("@DIR@", d)
    rc, out, _ = _config_check(lab, name + "-conf", body, loads)
    assert rc == 0, f"proftpd -t refused the documentation's example {name}:\n{body}\n---\n{out}"
