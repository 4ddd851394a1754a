"""A throwaway certificate authority for TLS tests: a CA, a server certificate for 127.0.0.1, client certificates.

Made with `cryptography` when it is installed, else with the `openssl` command; `available()` says whether either
is there (tests skip otherwise). Every file is PEM, EC P-256, valid for two days, written under the given folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

try:
    from cryptography import x509  # type: ignore[import-not-found, unused-ignore]
    from cryptography.hazmat.primitives import hashes, serialization  # type: ignore[import-not-found, unused-ignore]
    from cryptography.hazmat.primitives.asymmetric import ec  # type: ignore[import-not-found, unused-ignore]
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - depends on the environment
    x509 = None  # type: ignore[assignment, unused-ignore]


@dataclass(frozen=True)
class Pair:
    """A certificate and its private key (PEM files)."""

    cert: Path
    key: Path


def available() -> bool:
    """True when certificates can be made here."""
    return x509 is not None or shutil.which("openssl") is not None


class TestCA:
    """A CA named `name` under `folder`; `issue` signs server or client certificates with it."""

    __test__ = False  # not a pytest test class

    def __init__(self, folder: Path, name: str = "Mamori Test CA") -> None:
        self.folder = folder
        self.name = name
        folder.mkdir(parents=True, exist_ok=True)
        self.pair = Pair(folder / "ca.pem", folder / "ca.key")
        if x509 is not None:
            self._crypto_ca()
        else:
            self._openssl_ca()

    def issue(self, common_name: str, *, server: bool) -> Pair:
        """A certificate for `common_name` signed by this CA: for a server (SAN IP 127.0.0.1 and DNS localhost,
        serverAuth) or a client (clientAuth)."""
        pair = Pair(self.folder / f"{common_name}.pem", self.folder / f"{common_name}.key")
        if x509 is not None:
            self._crypto_leaf(common_name, pair, server)
        else:
            self._openssl_leaf(common_name, pair, server)
        return pair

    # -- cryptography -------------------------------------------------------------------------------------------

    def _crypto_ca(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        cert = (self._builder(name, name, key.public_key())
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        self._save(self.pair, cert, key)
        self._key, self._cert = key, cert

    def _crypto_leaf(self, common_name: str, pair: Pair, server: bool) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (self._builder(subject, self._cert.subject, key.public_key())
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
        self._save(pair, builder.sign(self._key, hashes.SHA256()), key)

    @staticmethod
    def _builder(subject: x509.Name, issuer: x509.Name,
                 public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=2)))

    @staticmethod
    def _save(pair: Pair, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        pair.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))

    # -- openssl ------------------------------------------------------------------------------------------------

    def _openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.folder)

    def _openssl_ca(self) -> None:
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", str(self.pair.key), "-out", str(self.pair.cert), "-days", "2",
                      "-subj", f"/CN={self.name}", "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
                      "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign")

    def _openssl_leaf(self, common_name: str, pair: Pair, server: bool) -> None:
        request = self.folder / f"{common_name}.csr"
        extensions = self.folder / f"{common_name}.ext"
        lines = ["basicConstraints=critical,CA:FALSE", f"extendedKeyUsage={'serverAuth' if server else 'clientAuth'}"]
        if server:
            lines.append("subjectAltName=IP:127.0.0.1,DNS:localhost")
        extensions.write_text("\n".join(lines) + "\n", encoding="ascii")
        self._openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", str(pair.key), "-out", str(request), "-subj", f"/CN={common_name}")
        self._openssl("x509", "-req", "-in", str(request), "-CA", str(self.pair.cert), "-CAkey", str(self.pair.key),
                      "-CAcreateserial", "-out", str(pair.cert), "-days", "2", "-sha256",
                      "-extfile", str(extensions))
