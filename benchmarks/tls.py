"""A second local STS over https: moto_server with a self-signed certificate.

The certificate (for 127.0.0.1 and localhost) is made with ``cryptography`` and given to
both tools through ``AWS_CA_BUNDLE``, so each verifies the server as it would a real one.
"""

from __future__ import annotations

import datetime
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from resolver.demo.localsts import free_port, server_command


@dataclass(frozen=True)
class TlsSts:
    """A running https moto_server and the CA bundle that verifies it."""

    url: str
    ca_bundle: Path


def write_self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 / localhost; (cert path, key path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "sts-cert.pem", directory / "sts-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


@contextmanager
def tls_sts(directory: Path, env: dict[str, str], timeout: float = 60.0) -> Iterator[TlsSts]:
    """Start moto_server over https in ``directory``; stopped when the block ends."""
    cert, key = write_self_signed(directory)
    port = free_port()
    command = [*server_command(port), "-c", str(cert), "-k", str(key)]
    log = (directory / "moto_server_tls.log").open("wb")
    process = subprocess.Popen(
        command, cwd=directory, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(cert))
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"https moto_server exited {process.returncode}")
            try:
                opener.open(url + "/moto-api/", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"https moto_server did not answer on {url}") from None
                time.sleep(0.1)
        yield TlsSts(url, cert)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
