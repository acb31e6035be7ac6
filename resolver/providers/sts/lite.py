"""A query-protocol STS client of the standard library, that behaves as botocore's.

A call goes the way a botocore client sends it, each step by a module that is checked
against the botocore part it stands for (differential tests over generated input): the
parameters validated and serialized from botocore's STS model (``query``), the request
signed with SigV4 by exactly the credentials given for the call, never keys of the
client's own (``sigv4``), sent over one keep-alive connection pool per client with the CA
bundle, proxies and timeouts of the target's environment and botocore's transport errors
(``transport``), parsed as botocore's query parser parses it (``query_parse``), and
retried by botocore's standard retry mode (``retry``: ``total_max_attempts``, quota,
backoff). An error answer raises the modeled ``ClientError`` subclass a botocore client
raises, with the same parsed dict.

None of this imports botocore, urllib3 or dateutil, which cost a cold process about
100 ms: botocore is imported only on an error path (its exception classes) and for
endpoints its rule set decides in ways not read here (FIPS, dual-stack, other rules).
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from resolver.context import STS_CONNECT_TIMEOUT, STS_READ_TIMEOUT, timeout_setting
from resolver.providers.sts import service
from resolver.providers.sts.factory import MAX_ATTEMPTS, StsTarget, proxies, target_environment
from resolver.providers.sts.model import ServiceModel, sts_model
from resolver.providers.sts.query import query_body
from resolver.providers.sts.query_parse import parse_answer
from resolver.providers.sts.retry import (
    CallRetries,
    StandardRetry,
    modeled_retryable,
    new_retries_enabled,
)
from resolver.providers.sts.sigv4 import signed_request_headers, sigv4_headers
from resolver.providers.sts.transport import (
    MAX_BODY,
    HttpAnswer,
    HttpTransport,
    UnsupportedProxyError,
)

if TYPE_CHECKING:
    from resolver.stscreds.credentials import Credentials

__all__ = ["MAX_BODY", "LiteStsClient", "UnboundCallError"]

RETRIES = {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"  # botocore's query serializer


class Transport(Protocol):
    """What sends a call: ``HttpTransport``, or botocore's behind the same interface."""

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> HttpAnswer: ...

    def close(self) -> None: ...


class UnboundCallError(RuntimeError):
    """A signed client was asked to send a call with no caller credentials."""


class LiteConfig:
    """What callers read of a botocore client's ``meta.config``."""

    __slots__ = ("connect_timeout", "proxies", "read_timeout", "region_name", "retries")

    def __init__(
        self,
        connect_timeout: float,
        read_timeout: float,
        region_name: str,
        proxies: dict[str, str],
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.proxies = proxies
        self.retries = dict(RETRIES)
        self.region_name = region_name


class LiteMeta:
    """What callers read of a botocore client's ``meta``."""

    __slots__ = ("config", "endpoint_url", "region_name")

    def __init__(self, endpoint_url: str, config: LiteConfig) -> None:
        self.endpoint_url = endpoint_url
        self.region_name = config.region_name
        self.config = config


def _verify(environ: Mapping[str, str]) -> str | bool:
    """The CA bundle (``AWS_CA_BUNDLE``, then ``REQUESTS_CA_BUNDLE``), else verify with
    botocore's default bundle; a blank path is botocore's ``InvalidConfigError``."""
    verify: str | bool = environ.get("AWS_CA_BUNDLE") or environ.get("REQUESTS_CA_BUNDLE") or True
    if isinstance(verify, str) and not verify.strip():
        from botocore.exceptions import InvalidConfigError

        raise InvalidConfigError(error_msg="Invalid CA bundle: a blank path")
    return verify


def request_url(endpoint_url: str) -> str:
    """Where a query call to ``endpoint_url`` is sent: botocore's join of the endpoint
    with the operation's ``/`` (the endpoint's own path kept, else ``/``)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(endpoint_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def user_agent() -> str:
    """``rolechain/VERSION python/VERSION``."""
    from resolver import __version__

    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"rolechain/{__version__} python/{python}"


class LiteStsClient:
    """STS calls to one target: signed (every call by the credentials it is given) or
    unsigned (web identity, SAML)."""

    def __init__(self, target: StsTarget, *, signed: bool) -> None:
        environ = target_environment(target)
        config = LiteConfig(
            timeout_setting("ROLECHAIN_STS_CONNECT_TIMEOUT", STS_CONNECT_TIMEOUT, environ),
            timeout_setting("ROLECHAIN_STS_READ_TIMEOUT", STS_READ_TIMEOUT, environ),
            target.region,
            proxies(target, environ),
        )
        url, self._signing_region = service.resolved_endpoint(
            target.region, target.endpoint_url, environ
        )
        self._data_path = environ.get("AWS_DATA_PATH") or None
        self._model: ServiceModel = sts_model(self._data_path)
        self.meta = LiteMeta(url, config)
        self._url = request_url(url)
        self._signed = signed
        self._transport = _transport(_verify(environ), config)
        self._retry = StandardRetry(
            MAX_ATTEMPTS,
            modeled=_modeled_retryable(self._model),
            new_retries=new_retries_enabled(environ),
        )
        self._user_agent = user_agent()

    def call(
        self, operation: str, params: Mapping[str, Any], credentials: Credentials | None
    ) -> dict[str, Any]:
        """``operation`` (``AssumeRole``...) with ``params``, signed by ``credentials``
        (a signed client refuses to send without them); botocore's parsed answer."""
        if self._signed and credentials is None:
            raise UnboundCallError("a signed STS call had no caller credentials")
        body = query_body(self._model, operation, params)
        keys = credentials if self._signed else None
        state = CallRetries()
        policy = self._retry
        invocation = _invocation_id()
        while True:
            answer, parsed, exception = self._attempt(operation, body, keys, state, invocation)
            code = _error_code(answer, parsed)
            delay = policy.after_attempt(
                state,
                status=None if answer is None else answer.status,
                error_code=code,
                exception=exception,
                retry_after=None if answer is None else answer.headers.get("x-amz-retry-after"),
            )
            if delay is None:
                break
            time.sleep(delay)
        if exception is not None:
            raise exception
        assert answer is not None and parsed is not None
        parsed["ResponseMetadata"].update(state.metadata, RetryAttempts=state.retry_attempts)
        policy.call_finished(state, answer.status)
        if answer.status >= 300:
            raise service.client_exceptions(self._data_path).from_code(code)(parsed, operation)
        return parsed

    def _attempt(
        self,
        operation: str,
        body: bytes,
        keys: Credentials | None,
        state: CallRetries,
        invocation: str,
    ) -> tuple[HttpAnswer | None, dict[str, Any] | None, BaseException | None]:
        """One HTTP attempt: ``(answer, parsed, None)`` or ``(None, None, transport
        error)``; a body botocore could not parse raises at once, as in botocore."""
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": self._user_agent,
            "amz-sdk-invocation-id": invocation,
            "amz-sdk-request": self._retry.sdk_request(state),
        }
        if keys is not None:
            headers = signed_request_headers(headers, self._signature(headers, body, keys))
        try:
            answer = self._transport.send("POST", self._url, headers, body)
        except Exception as exc:  # botocore's transport errors, retried as botocore does
            return None, None, exc
        parsed = parse_answer(self._model, operation, answer.status, answer.headers, answer.body)
        return answer, parsed, None

    def _signature(self, headers: Mapping[str, str], body: bytes, keys: Credentials) -> Any:
        """The SigV4 headers of one attempt (a new signature, and time, every attempt)."""
        return sigv4_headers(
            method="POST",
            url=self._url,
            headers=headers,
            body=body,
            access_key=keys.access_key_id,
            secret_key=keys.secret_access_key,
            token=keys.session_token,
            region=self._signing_region,
            service=service.SIGNING_NAME,
            now=datetime.datetime.now(datetime.timezone.utc),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._transport.close()


def _transport(verify: str | bool, config: LiteConfig) -> Transport:
    """The stdlib transport, or botocore's for a proxy it does not speak (``https://``)."""
    settings: dict[str, Any] = {
        "verify": verify,
        "proxies": config.proxies,
        "connect_timeout": config.connect_timeout,
        "read_timeout": config.read_timeout,
    }
    try:
        return HttpTransport(**settings)
    except UnsupportedProxyError:
        from resolver.providers.sts.transport_botocore import BotocoreTransport

        return BotocoreTransport(**settings)


def _error_code(answer: HttpAnswer | None, parsed: Mapping[str, Any] | None) -> str | None:
    """The ``Error.Code`` of a parsed answer, as botocore's retry context reads it."""
    error = {} if answer is None or parsed is None else parsed.get("Error", {})
    code = error.get("Code") if isinstance(error, Mapping) else None
    return code if isinstance(code, str) else None


def _modeled_retryable(model: ServiceModel) -> dict[str, bool]:
    """The error codes any operation models as retryable (STS models none): one retry
    policy, and one quota, serve every operation of the client."""
    found: dict[str, bool] = {}
    for operation in model.raw["operations"]:
        for code, throttling in modeled_retryable(model.raw, operation).items():
            found.setdefault(code, throttling)
    return found


def _invocation_id() -> str:
    """A random (version 4) UUID, as ``uuid.uuid4()`` makes it (``uuid`` imports
    ``platform``: a millisecond and a half of a cold start)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
