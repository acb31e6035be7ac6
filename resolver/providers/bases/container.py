"""ECS/EKS container credentials from ``AWS_CONTAINER_CREDENTIALS_*_URI``.

Also home of the small stdlib HTTP helper and the metadata-JSON parser that the IMDS
provider shares. Requests never use a proxy and never follow redirects (a redirect
would carry the Authorization header to another host).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from resolver.config.values import endpoint_problem
from resolver.errors import ProviderError, remember
from resolver.providers import outbound
from resolver.providers.bases.built import FETCHED, Built, Inputs
from resolver.providers.bases.credentials_json import Dialect, credentials_from_json
from resolver.providers.outbound import TransportError as TransportError  # for IMDS
from resolver.stscreds.credentials import Credentials

if TYPE_CHECKING:
    from resolver.chain.types import ContainerSource

RELATIVE_URI = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
FULL_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
AUTH_TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
AUTH_TOKEN_FILE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
ECS_HOST = "http://169.254.170.2"
# Hosts plain http may use besides loopback addresses (botocore's ContainerMetadataFetcher).
ALLOWED_HTTP_HOSTS = frozenset({"169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"})


def http_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    ca_bundle: str | None = None,
) -> tuple[int, bytes]:
    """One request, no proxy nor redirects, within ``timeout`` seconds in all (connect and
    every read), https verified with ``ca_bundle`` when given: ``(status, body)``, or
    TransportError."""
    status, _, body = outbound.request(method, url, headers, seconds=timeout, ca_bundle=ca_bundle)
    return status, body


def body_excerpt(body: bytes, limit: int = 200, *, redact: str | None = None) -> str:
    """The start of an error response body on one line, ``redact`` replaced first."""
    text = " ".join(body.decode("utf-8", errors="replace").split())
    if redact:
        text = text.replace(redact, "<redacted>")
    return text[:limit] + ("…" if len(text) > limit else "")


def credentials_from_metadata(doc: Any, *, source: str, origin: str) -> Credentials:
    """Credentials from the container/IMDS JSON (AccessKeyId, SecretAccessKey, Token...).

    ``origin`` describes where the JSON came from, for error messages.
    """
    return credentials_from_json(doc, metadata_dialect(origin), source=source)


def metadata_dialect(origin: str) -> Dialect:
    """The container/IMDS document (``Token``), its errors naming ``origin``."""
    return Dialect(token_key="Token", printed=f"{origin} returned", output=f"{origin} response")


def check_full_uri(url: str) -> None:
    """ProviderError unless ``url`` is https, or http to loopback or an allowed host."""
    problem = endpoint_problem(url)
    if problem is not None:
        raise ProviderError(f"{FULL_URI} must be an http or https URL with a host: {problem}")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return
    if host in ALLOWED_HTTP_HOSTS or _is_loopback(host):
        return
    allowed = ", ".join(sorted(ALLOWED_HTTP_HOSTS))
    raise ProviderError(
        f"{FULL_URI} host {host} is not allowed over http; use https, a loopback "
        f"address or one of {allowed}"
    )


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class ContainerProvider:
    """Fetches the task/pod role from the container credentials endpoint.

    ``attempts`` bounds the tries (retrying only on no response, 5xx and 429), each
    limited by ``timeout`` seconds. ``ecs_host`` replaces ``http://169.254.170.2`` as the
    base of a relative URI (for tests).
    """

    name = "ContainerProvider"

    def __init__(
        self,
        environ: Mapping[str, str],
        timeout: float = 2.0,
        *,
        attempts: int = 3,
        retry_delay: float = 0.5,
        ecs_host: str = ECS_HOST,
    ) -> None:
        self._environ = environ
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.retry_delay = retry_delay
        self.ecs_host = ecs_host

    def __repr__(self) -> str:
        return f"ContainerProvider(timeout={self.timeout!r}, attempts={self.attempts!r})"

    def url(self) -> str:
        """The endpoint the environment selects (the relative URI wins, like botocore)."""
        relative = self._environ.get(RELATIVE_URI)
        if relative:
            if not relative.startswith("/"):
                raise ProviderError(f"{RELATIVE_URI} must start with '/': {relative}")
            url = self.ecs_host.rstrip("/") + relative
            if (problem := endpoint_problem(url)) is not None:
                raise ProviderError(f"{RELATIVE_URI} does not make a usable URL: {problem}")
            return url
        full = self._environ.get(FULL_URI)
        if not full:
            raise ProviderError(
                f"container credentials: neither {RELATIVE_URI} nor {FULL_URI} is set"
            )
        check_full_uri(full)
        return full

    def _auth_token(self) -> str | None:
        """The Authorization value; the token file is re-read on every call (it rotates)."""
        token_file = self._environ.get(AUTH_TOKEN_FILE)
        if token_file:
            try:
                with open(token_file, encoding="utf-8") as handle:
                    token = handle.read().strip()
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or type(exc).__name__
                raise ProviderError(
                    f"cannot read {AUTH_TOKEN_FILE} {token_file}: {reason}"
                ) from None
            source = AUTH_TOKEN_FILE
        else:
            token = self._environ.get(AUTH_TOKEN, "")
            source = AUTH_TOKEN
        if not token:
            return None
        if "\r" in token or "\n" in token:
            raise ProviderError(f"the token from {source} contains a line break")
        remember(token)
        return token

    def retrieve(self) -> Credentials:
        """Credentials from the endpoint; ProviderError when it can't be used."""
        url = self.url()
        headers = {"Accept": "application/json"}
        token = self._auth_token()
        if token:
            headers["Authorization"] = token
        origin = f"container credentials endpoint {url}"
        body = self._fetch(url, headers, origin, token)
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):
            raise ProviderError(f"{origin} returned invalid JSON (not shown)") from None
        return credentials_from_metadata(doc, source=self.name, origin=origin)

    def _fetch(self, url: str, headers: Mapping[str, str], origin: str, token: str | None) -> bytes:
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.retry_delay)
            try:
                bundle = self._environ.get("AWS_CA_BUNDLE") or None
                status, body = http_request("GET", url, headers, self.timeout, bundle)
            except TransportError as exc:
                problem = exc.reason
                continue
            if status == 200:
                return body
            excerpt = body_excerpt(body, redact=token)
            problem = f"HTTP {status}" + (f": {excerpt}" if excerpt else "")
            if status < 500 and status != 429:
                raise ProviderError(f"{origin} returned {problem}")
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        raise ProviderError(f"{origin} failed{tries}: {problem}")


def build(source: ContainerSource, inputs: Inputs) -> Built:
    """The container role, named by the credentials it fetches."""
    return Built(ContainerProvider(inputs.ctx.environ), FETCHED)
