"""The EC2 instance role from the instance metadata service (IMDSv2, v1 fallback).

Follows botocore's ``InstanceMetadataFetcher``: a session token is requested first
(PUT ``/latest/api/token``); a 403/404/405 or a timeout on that request falls back to
IMDSv1 unless ``AWS_EC2_METADATA_V1_DISABLED`` is true.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from resolver.config.values import endpoint_problem
from resolver.errors import ProviderError, remember
from resolver.providers.bases.built import FETCHED, Built, Inputs
from resolver.providers.bases.container import (
    TransportError,
    body_excerpt,
    credentials_from_metadata,
    http_request,
)
from resolver.stscreds.credentials import Credentials

if TYPE_CHECKING:
    from resolver.chain.types import InstanceMetadataSource

DISABLED = "AWS_EC2_METADATA_DISABLED"
V1_DISABLED = "AWS_EC2_METADATA_V1_DISABLED"
ENDPOINT = "AWS_EC2_METADATA_SERVICE_ENDPOINT"
ENDPOINT_MODE = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"
DEFAULT_ENDPOINT = "http://169.254.169.254"
DEFAULT_ENDPOINT_IPV6 = "http://[fd00:ec2::254]"
TOKEN_PATH = "/latest/api/token"
TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_TTL_SECONDS = "21600"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
ROLE_PATH = "/latest/meta-data/iam/security-credentials/"
_V1_FALLBACK_STATUSES = (403, 404, 405)


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


class InstanceMetadataProvider:
    """Fetches the instance profile role's credentials.

    ``endpoint`` overrides the environment; ``timeout`` bounds each request and
    ``attempts`` is how often each request is tried (botocore's defaults: 1s, 1).
    """

    name = "InstanceMetadataProvider"

    def __init__(
        self,
        environ: Mapping[str, str],
        endpoint: str | None = None,
        timeout: float = 1.0,
        attempts: int = 1,
    ) -> None:
        self._environ = environ
        self._endpoint = endpoint
        self.timeout = timeout
        self.attempts = max(1, attempts)

    def __repr__(self) -> str:
        return f"InstanceMetadataProvider(endpoint={self._endpoint!r}, timeout={self.timeout!r})"

    def endpoint(self) -> str:
        """The base URL: the argument, else the environment's endpoint or mode."""
        endpoint = self._endpoint or self._environ.get(ENDPOINT)
        if not endpoint:
            mode = (self._environ.get(ENDPOINT_MODE) or "ipv4").strip().lower()
            if mode not in ("ipv4", "ipv6"):
                raise ProviderError(f"{ENDPOINT_MODE} must be IPv4 or IPv6, not {mode!r}")
            endpoint = DEFAULT_ENDPOINT_IPV6 if mode == "ipv6" else DEFAULT_ENDPOINT
        if (problem := endpoint_problem(endpoint)) is not None:
            raise ProviderError(f"EC2 metadata endpoint is not an http(s) URL: {problem}")
        return endpoint.rstrip("/")

    def retrieve(self) -> Credentials:
        """The instance role's credentials; ProviderError when IMDS can't provide them."""
        if _is_true(self._environ.get(DISABLED)):
            raise ProviderError(f"EC2 instance metadata is disabled ({DISABLED}=true)")
        base = self.endpoint()
        token = self._fetch_token(base)
        if token is None and _is_true(self._environ.get(V1_DISABLED)):
            raise ProviderError(
                f"EC2 instance metadata at {base} gave no IMDSv2 token and IMDSv1 is "
                f"disabled ({V1_DISABLED}=true)"
            )
        listing = self._get(base, ROLE_PATH, token).decode("utf-8", errors="replace")
        roles = [line.strip() for line in listing.splitlines() if line.strip()]
        if not roles:
            raise ProviderError(f"no IAM role is attached to the instance ({base})")
        role = roles[0]
        body = self._get(base, ROLE_PATH + role, token)
        origin = f"EC2 instance metadata at {base} (role {role})"
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):
            raise ProviderError(f"{origin} returned invalid JSON (not shown)") from None
        code = doc.get("Code") if isinstance(doc, dict) else None
        if code and code != "Success":
            detail = f": {doc['Message']}" if doc.get("Message") else ""
            raise ProviderError(f"{origin} returned {code}{detail}")
        return credentials_from_metadata(doc, source=self.name, origin=origin)

    def _fetch_token(self, base: str) -> str | None:
        """An IMDSv2 token, or None to fall back to IMDSv1 (as botocore decides)."""
        url = base + TOKEN_PATH
        for _ in range(self.attempts):
            try:
                status, body = http_request(
                    "PUT", url, {TOKEN_TTL_HEADER: TOKEN_TTL_SECONDS}, self.timeout
                )
            except TransportError as exc:
                if exc.timed_out:  # e.g. a hop limit of 1 inside a container
                    return None
                raise ProviderError(
                    f"cannot reach EC2 instance metadata at {base}: {exc.reason}"
                ) from None
            if status == 200 and body.strip():
                token = body.decode("utf-8", errors="replace").strip()
                remember(token)
                return token
            if status in _V1_FALLBACK_STATUSES:
                return None
            if status == 400:
                raise ProviderError(f"EC2 instance metadata at {base} rejected the token request")
        return None

    def _get(self, base: str, path: str, token: str | None) -> bytes:
        url = base + path
        headers = {TOKEN_HEADER: token} if token else {}
        problem = ""
        for _ in range(self.attempts):
            try:
                status, body = http_request("GET", url, headers, self.timeout)
            except TransportError as exc:
                problem = exc.reason
                continue
            if status == 200 and body:
                return body
            if status == 404 and path == ROLE_PATH:
                raise ProviderError(f"no IAM role is attached to the instance ({base})")
            excerpt = body_excerpt(body, redact=token)
            problem = f"HTTP {status}" + (f": {excerpt}" if excerpt else " (empty)")
            if 400 <= status < 500:
                break
        raise ProviderError(f"EC2 instance metadata GET {url} failed: {problem}")


def build(source: InstanceMetadataSource, inputs: Inputs) -> Built:
    """The instance role, named by the credentials it fetches."""
    return Built(InstanceMetadataProvider(inputs.ctx.environ), FETCHED)
