"""X.509 files for IAM Roles Anywhere: the certificate, its chain and its private key.

Each file is read as other credential inputs are: a regular file (a FIFO or device is
refused without blocking) of at most ``MAX_PEM_BYTES``, neither writable by others nor
in a directory others can write (unless it is sticky, as ``/tmp``). ``cryptography``
parses them; it is an optional extra, imported only inside these functions, and its
absence is one line naming the install (the ``rolesanywhere`` extra). The private key
is read when it is used and handed back, never kept; no error, repr or log shows it, nor
its passphrase.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from resolver.errors import ProviderError

MAX_PEM_BYTES = 64 * 1024
MAX_CHAIN_CERTIFICATES = 8
INSTALL_HINT = (
    "pip install 'cryptography>=42' where rolechain runs "
    "(in a clone: pip install '.[rolesanywhere]')"
)
Passphrase = Callable[[], str]


def cryptography_module() -> Any:
    """``cryptography.x509``, or a one-line ProviderError saying how to install it."""
    try:
        from cryptography import x509
    except ImportError:
        raise ProviderError(
            f"IAM Roles Anywhere needs the cryptography package: {INSTALL_HINT}",
            reason="cryptography-missing",
        ) from None
    return x509


def _unsafe_place(path: str) -> str | None:
    """Why others could replace the file at ``path``, or None."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        info = os.stat(directory)
    except OSError:
        return None  # the read below says what is wrong
    if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
        return f"its directory {directory} is writable by others"
    return None


def read_pem(path: str, what: str) -> bytes:
    """The bytes of the PEM file ``path`` (``what`` names it in errors), read safely."""
    from resolver.stscreds.web_identity import read_regular

    if (problem := _unsafe_place(path)) is not None:
        raise ProviderError(f"refusing the {what}: {problem}", file=path)
    try:
        fd_info = os.stat(path)
        if stat.S_ISREG(fd_info.st_mode) and fd_info.st_mode & stat.S_IWOTH:
            raise OSError(errno.EPERM, "it is writable by others")
        return read_regular(path, MAX_PEM_BYTES)
    except FileNotFoundError:
        raise ProviderError(f"{what} not found", file=path) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if exc.errno == errno.EFBIG:
            reason = f"larger than {MAX_PEM_BYTES} bytes"
        raise ProviderError(f"cannot read the {what}: {reason}", file=path) from None


def load_certificate(path: str) -> Any:
    """The first certificate in the PEM file ``path``."""
    x509 = cryptography_module()
    data = read_pem(path, "certificate")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ProviderError("the certificate is not a PEM X.509 certificate", file=path) from None


def load_chain(path: str) -> list[Any]:
    """The certificates of the PEM bundle ``path`` (at most ``MAX_CHAIN_CERTIFICATES``)."""
    x509 = cryptography_module()
    data = read_pem(path, "certificate chain")
    try:
        found = list(x509.load_pem_x509_certificates(data))
    except ValueError:
        raise ProviderError(
            "the certificate chain is not a bundle of PEM X.509 certificates", file=path
        ) from None
    if len(found) > MAX_CHAIN_CERTIFICATES:
        raise ProviderError(
            f"the certificate chain has {len(found)} certificates; at most "
            f"{MAX_CHAIN_CERTIFICATES} are sent",
            file=path,
        )
    return found


def load_private_key(path: str, passphrase: Passphrase | None) -> Any:
    """The private key in the PEM file ``path``; ``passphrase`` is asked only when the key
    is encrypted. RSA and EC keys only (what SigV4-X509 signs with)."""
    cryptography_module()
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = read_pem(path, "private key")
    try:
        try:
            key = load_pem_private_key(data, password=None)
        except TypeError:  # encrypted: the passphrase is needed
            if passphrase is None:
                raise ProviderError("the private key is encrypted", file=path) from None
            secret = passphrase().encode("utf-8")
            key = load_pem_private_key(data, password=secret)
    except ValueError:  # a wrong passphrase or no key: cryptography cannot tell them apart
        raise ProviderError(
            "cannot load the private key: not a PEM RSA or EC key, or a wrong passphrase",
            file=path,
        ) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise ProviderError("the private key is neither RSA nor EC", file=path)
    return key


def public_bytes(public_key: Any) -> bytes:
    """A public key as DER SubjectPublicKeyInfo, for comparison."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return bytes(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def key_matches(certificate: Any, key: Any) -> bool:
    """True when ``key`` is the private half of the certificate's public key."""
    return public_bytes(certificate.public_key()) == public_bytes(key.public_key())


def not_after(certificate: Any) -> datetime:
    """When the certificate stops being valid (aware, UTC)."""
    moment = getattr(certificate, "not_valid_after_utc", None)
    if moment is None:  # pragma: no cover - cryptography < 42
        moment = certificate.not_valid_after.replace(tzinfo=timezone.utc)
    return moment  # type: ignore[no-any-return]


def not_before(certificate: Any) -> datetime:
    """When the certificate starts being valid (aware, UTC)."""
    moment = getattr(certificate, "not_valid_before_utc", None)
    if moment is None:  # pragma: no cover - cryptography < 42
        moment = certificate.not_valid_before.replace(tzinfo=timezone.utc)
    return moment  # type: ignore[no-any-return]


def validity_problem(certificate: Any, now: datetime) -> str | None:
    """Why the certificate is not valid at ``now``, or None."""
    if now > not_after(certificate):
        return f"the certificate expired at {not_after(certificate):%Y-%m-%dT%H:%M:%SZ}"
    if now < not_before(certificate):
        return f"the certificate is not valid before {not_before(certificate):%Y-%m-%dT%H:%M:%SZ}"
    return None


def der(certificate: Any) -> bytes:
    """The certificate's DER bytes."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return bytes(certificate.public_bytes(Encoding.DER))


@dataclass(frozen=True)
class CertificateInfo:
    """What ``explain`` shows of a certificate: never anything of its key."""

    subject: str
    issuer: str
    serial: int
    not_after: datetime
    sha256: str
    key_type: str

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": str(self.serial),
            "not_after": f"{self.not_after:%Y-%m-%dT%H:%M:%SZ}",
            "sha256": self.sha256,
            "key_type": self.key_type,
        }


def key_type(certificate: Any) -> str:
    """``RSA`` or ``EC`` (what SigV4-X509 signs with), else the key's class name."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    public = certificate.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(public, ec.EllipticCurvePublicKey):
        return "EC"
    return type(public).__name__


def certificate_info(certificate: Any) -> CertificateInfo:
    """The subject, issuer, serial, expiry and SHA-256 fingerprint of ``certificate``."""
    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial=int(certificate.serial_number),
        not_after=not_after(certificate),
        sha256=hashlib.sha256(der(certificate)).hexdigest(),
        key_type=key_type(certificate),
    )
