"""SigV4-X509: how IAM Roles Anywhere's CreateSession is signed.

As AWS's ``aws_signing_helper`` and ``iam-rolesanywhere-session`` do: the request gets
``X-Amz-Date``, ``X-Amz-X509`` (the certificate, base64 DER) and ``X-Amz-X509-Chain``
(the chain, base64 DER, comma-separated); the canonical request is SigV4's (botocore's
``SigV4Auth.canonical_request``); the string to sign is the algorithm
(``AWS4-X509-RSA-SHA256`` or ``AWS4-X509-ECDSA-SHA256``), the time, the scope
``<date>/<region>/rolesanywhere/aws4_request`` and the canonical request's SHA-256; it is
signed by the private key (RSA PKCS#1 v1.5 or ECDSA, both SHA-256, by ``cryptography``)
and the Authorization header names the certificate's serial number (decimal) where
SigV4 puts the access key id.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from resolver.providers.x509 import der

SERVICE = "rolesanywhere"
RSA = "AWS4-X509-RSA-SHA256"
ECDSA = "AWS4-X509-ECDSA-SHA256"


def algorithm(key: Any) -> str:
    """The SigV4-X509 algorithm of an RSA or EC private key."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return RSA if isinstance(key, rsa.RSAPrivateKey) else ECDSA


def signature(key: Any, data: bytes) -> bytes:
    """``data`` signed by ``key``: RSA PKCS#1 v1.5 or ECDSA (DER), SHA-256."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if isinstance(key, rsa.RSAPrivateKey):
        return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    return bytes(key.sign(data, ec.ECDSA(hashes.SHA256())))


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], body: bytes
) -> tuple[str, str]:
    """SigV4's canonical request of the request and its signed headers (botocore's)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    signer = SigV4Auth(cast(Any, None), SERVICE, "")  # no credentials: only the canonical form
    to_sign = signer.headers_to_sign(request)
    return signer.canonical_request(request), signer.signed_headers(to_sign)


def signed_headers(
    *,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    certificate: Any,
    chain: Sequence[Any],
    key: Any,
    region: str,
    now: datetime,
) -> dict[str, str]:
    """``headers`` plus the SigV4-X509 headers and Authorization for a POST of ``body``."""
    from urllib.parse import urlsplit

    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    out = {**headers, "Host": urlsplit(url).netloc, "X-Amz-Date": amz_date}
    out["X-Amz-X509"] = base64.b64encode(der(certificate)).decode("ascii")
    if chain:
        out["X-Amz-X509-Chain"] = ",".join(
            base64.b64encode(der(item)).decode("ascii") for item in chain
        )
    canonical, signed = canonical_request("POST", url, out, body)
    scope = f"{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
    name = algorithm(key)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    to_sign = f"{name}\n{amz_date}\n{scope}\n{digest}".encode()
    value = signature(key, to_sign).hex()
    serial = int(certificate.serial_number)
    out["Authorization"] = (
        f"{name} Credential={serial}/{scope}, SignedHeaders={signed}, Signature={value}"
    )
    return out
