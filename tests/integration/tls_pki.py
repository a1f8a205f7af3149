"""A small PKI for the backend TLS tests, made with the openssl CLI: a CA,
server certificates signed by it (right name, wrong name), a self-signed
one, and a client certificate."""
import os
import subprocess


def _run(*args):
    subprocess.run(list(args), check=True, capture_output=True)


class PKI:
    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.dir = directory
        self.ca_cert, self.ca_key = self._path("ca.pem"), self._path("ca.key")
        _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=mod_proxy test CA", "-keyout", self.ca_key, "-out", self.ca_cert)
        # The backends listen on 127.0.0.1 and are named by it in URLs.
        self.server = self.issue("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost")
        self.wrong_name = self.issue("wrong-name", "/CN=other.example", "subjectAltName=DNS:other.example")
        self.client = self.issue("client", "/CN=proxy-client", "extendedKeyUsage=clientAuth")
        self.self_signed = (self._path("self.pem"), self._path("self.key"))
        _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", self.self_signed[1], "-out", self.self_signed[0])
        for name in os.listdir(directory):
            os.chmod(self._path(name), 0o644 if name.endswith(".pem") else 0o600)

    def crl_revoking(self, cert):
        """A CRL of the CA (PEM) that revokes `cert`."""
        cfg, index, number = self._path("ca.cnf"), self._path("index.txt"), self._path("crlnumber")
        open(index, "w").close()
        with open(number, "w") as f:
            f.write("01\n")
        with open(cfg, "w") as f:
            f.write(f"[ca]\ndefault_ca = d\n[d]\ndatabase = {index}\ncrlnumber = {number}\n"
                    f"default_md = sha256\ndefault_crl_days = 2\n")
        common = ["-config", cfg, "-keyfile", self.ca_key, "-cert", self.ca_cert]
        _run("openssl", "ca", *common, "-revoke", cert)
        crl = self._path("revoked-crl.pem")
        _run("openssl", "ca", *common, "-gencrl", "-out", crl)
        os.chmod(crl, 0o644)
        return crl

    def _path(self, name):
        return os.path.join(self.dir, name)

    def issue(self, name, subject, extension):
        """(cert, key) signed by the CA."""
        cert, key, csr, ext = (self._path(f"{name}.pem"), self._path(f"{name}.key"),
                               self._path(f"{name}.csr"), self._path(f"{name}.ext"))
        with open(ext, "w") as f:
            f.write(extension + "\n")
        _run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
             "-keyout", key, "-out", csr)
        _run("openssl", "x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key,
             "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert)
        return cert, key


def backend_tls_block(cert, log, required="on", protocols="TLSv1.2 TLSv1.3", extra=""):
    """mod_tls for a backend: default TLSOptions, so data connections must
    resume the control connection's session."""
    return f"""<IfModule mod_tls.c>
  TLSEngine on
  TLSRequired {required}
  TLSProtocol {protocols}
  TLSRSACertificateFile {cert[0]}
  TLSRSACertificateKeyFile {cert[1]}
  TLSLog {log}
{extra}
</IfModule>"""
