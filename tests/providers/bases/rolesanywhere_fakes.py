"""A test PKI and a local IAM Roles Anywhere ``CreateSession`` endpoint that checks
every request as the service does: the certificate chains to the test CA, it is valid
now, and the SigV4-X509 signature verifies with its public key over a canonical request
recomputed here, independently of the client's code."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

REGION = "eu-west-1"
ACCOUNT = "123456789012"
TRUST_ANCHOR = f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:trust-anchor/8d3c0a5e-7e4b-4c2a-9f0e"
PROFILE = f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:profile/1f0c2b7a-3d4e-4f5a-8b6c"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/workload"
PASSPHRASE = "correct horse battery"
NOW = datetime.now(timezone.utc)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "rolechain tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _sign(builder: x509.CertificateBuilder, key: Any) -> x509.Certificate:
    return builder.sign(key, hashes.SHA256())


@dataclass
class Authority:
    """A CA (or an intermediate) that issues certificates."""

    name: str
    key: Any
    certificate: x509.Certificate

    def issue(
        self,
        common: str,
        key: Any,
        *,
        ca: bool = False,
        not_after: datetime | None = None,
        serial: int | None = None,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=2))
            .not_valid_after(not_after or NOW + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        return _sign(builder, self.key)


def new_ca(common: str = "Test Root CA") -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=10))
        .not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    return Authority(common, key, _sign(builder, key))


def rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


def pem_certificates(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def pem_key(key: Any, passphrase: str | None = None) -> bytes:
    encryption: Any = serialization.NoEncryption()
    if passphrase is not None:
        encryption = serialization.BestAvailableEncryption(passphrase.encode())
    return bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )


@dataclass
class Identity:
    """A workload's files: certificate, key and (optional) chain, written under a dir."""

    certificate: Path
    private_key: Path
    chain: Path | None
    key_pem: bytes = field(repr=False)
    serial: int = 0


def write_identity(
    directory: Path,
    issuer: Authority,
    key: Any,
    *,
    chain: tuple[x509.Certificate, ...] = (),
    passphrase: str | None = None,
    not_after: datetime | None = None,
    name: str = "workload",
) -> Identity:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    certificate = issuer.issue(f"{name}.example.com", key, not_after=not_after)
    paths = directory / f"{name}.pem", directory / f"{name}.key"
    paths[0].write_bytes(pem_certificates(certificate))
    key_pem = pem_key(key, passphrase)
    paths[1].write_bytes(key_pem)
    paths[1].chmod(0o600)
    chain_path = None
    if chain:
        chain_path = directory / f"{name}-chain.pem"
        chain_path.write_bytes(pem_certificates(*chain))
    return Identity(paths[0], paths[1], chain_path, key_pem, certificate.serial_number)


@dataclass
class Session:
    """The credentials one CreateSession answered."""

    access_key_id: str
    secret_access_key: str
    session_token: str


@dataclass
class Endpoint:
    """What the fake saw and what it answers: ``mode`` is ``ok``, ``malformed`` or
    ``deny``."""

    ca: Authority
    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    url: str = ""


def canonical(method: str, path: str, headers: dict[str, str], signed: str, body: bytes) -> str:
    """SigV4's canonical request, written for the test from the documented steps."""
    lines = [method, path, ""]
    for name in signed.split(";"):
        lines.append(f"{name}:{' '.join(headers[name].split())}")
    return "\n".join([*lines, "", signed, hashlib.sha256(body).hexdigest()])


def verify(endpoint: Endpoint, path: str, headers: dict[str, str], body: bytes) -> str | None:
    """Why the service would refuse the request, or None."""
    auth = headers.get("authorization", "")
    algorithm, _, rest = auth.partition(" ")
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    serial, date, region, service, terminal = parts["Credential"].split("/")
    certificate = x509.load_der_x509_certificate(base64.b64decode(headers["x-amz-x509"]))
    chain = [
        x509.load_der_x509_certificate(base64.b64decode(item))
        for item in headers.get("x-amz-x509-chain", "").split(",")
        if item
    ]
    if int(serial) != certificate.serial_number:
        return "the credential's serial is not the certificate's"
    if (region, service, terminal) != (REGION, "rolesanywhere", "aws4_request"):
        return "wrong credential scope"
    try:
        issuer = chain[0] if chain else endpoint.ca.certificate
        certificate.verify_directly_issued_by(issuer)
        if chain:
            chain[0].verify_directly_issued_by(endpoint.ca.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return "Untrusted certificate. Insufficient certificate"
    if not certificate.not_valid_before_utc <= datetime.now(timezone.utc):
        return "Certificate is not yet valid"
    if certificate.not_valid_after_utc < datetime.now(timezone.utc):
        return "Certificate is expired"
    request = canonical("POST", path, headers, parts["SignedHeaders"], body)
    amz_date = headers["x-amz-date"]
    scope = f"{date}/{region}/{service}/{terminal}"
    digest = hashlib.sha256(request.encode()).hexdigest()
    to_sign = f"{algorithm}\n{amz_date}\n{scope}\n{digest}".encode()
    signature = bytes.fromhex(parts["Signature"])
    public = certificate.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            assert algorithm == "AWS4-X509-RSA-SHA256"
            public.verify(signature, to_sign, padding.PKCS1v15(), hashes.SHA256())
        else:
            assert algorithm == "AWS4-X509-ECDSA-SHA256"
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(signature, to_sign, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "Signature validation failed"
    needed = {"host", "x-amz-date", "x-amz-x509", "content-type"}
    if not needed <= set(parts["SignedHeaders"].split(";")):
        return "a required header is not signed"
    return None


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {key.lower(): value for key, value in self.headers.items()}
            problem = verify(endpoint, self.path, headers, body)
            endpoint.requests.append(
                {"path": self.path, "headers": headers, "body": body, "problem": problem}
            )
            if problem is not None or endpoint.mode == "deny":
                message = problem or "Role is not allowed for this profile"
                self._answer(403, {"message": message}, "AccessDeniedException")
            elif endpoint.mode == "huge":
                self._answer(201, {"credentialSet": [], "padding": "x" * 100_000})
            elif endpoint.mode == "malformed":
                self._answer(201, {"credentialSet": [{"credentials": {"accessKeyId": 7}}]})
            else:
                self._answer(201, self._session(json.loads(body)))

        def _session(self, request: dict[str, Any]) -> dict[str, Any]:
            session = Session(
                "ASIA" + secrets.token_hex(8).upper(),
                secrets.token_urlsafe(30),
                "FwoG" + secrets.token_urlsafe(60),
            )
            endpoint.sessions.append(session)
            expires = datetime.now(timezone.utc) + timedelta(seconds=request["durationSeconds"])
            credentials = {
                "accessKeyId": session.access_key_id,
                "secretAccessKey": session.secret_access_key,
                "sessionToken": session.session_token,
                "expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            return {"credentialSet": [{"credentials": credentials, "roleArn": request["roleArn"]}]}

        def _answer(self, status: int, document: Any, error: str | None = None) -> None:
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if error:
                self.send_header("x-amzn-ErrorType", f"{error}:http://internal.amazon.com/")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def create_session_endpoint(ca: Authority) -> Iterator[Endpoint]:
    """A CreateSession endpoint on 127.0.0.1 that trusts ``ca``."""
    endpoint = Endpoint(ca)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
