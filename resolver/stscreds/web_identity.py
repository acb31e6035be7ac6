"""``WebIdentityRoleProvider`` and ``IdentityTokenFile``: AssumeRoleWithWebIdentity with
an OIDC token (EKS/IRSA, CI), Go's ``NewWebIdentityRoleProvider`` and ``IdentityTokenFile``.

The token is read from its retriever on every attempt (token files rotate) and never
appears in a repr, log or error. The call is unsigned: the client needs no credentials.
"""

from __future__ import annotations

import errno
import os
import random
import stat
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from resolver.errors import ProviderError, StsError, remember
from resolver.stscreds.client import (
    AssumeRoleWithWebIdentityClient,
    credentials_from_response,
    duration_seconds,
    generate_session_name,
    translating_errors,
)
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.options import PolicyArns, policy_arn_list

WEB_IDENTITY_PROVIDER_NAME = "WebIdentityCredentials"
"""Go's ``WebIdentityProviderName``: the ``source`` of the credentials."""

RETRYABLE_CODES = frozenset({"InvalidIdentityToken"})
"""STS codes the provider retries with a freshly read token, as Go adds InvalidIdentityToken
to the client's retryable codes. IDPCommunicationError is left to botocore's retry
handler, which already retries it for STS (legacy and standard modes)."""

DEFAULT_MAX_ATTEMPTS = 3
"""Go's ``retry.DefaultMaxAttempts``, and botocore's in standard mode: the attempt budget
for a client that does not say its own."""

LEGACY_MAX_ATTEMPTS = 5
"""botocore's attempts in legacy retry mode (``_retry.json``'s ``max_attempts``)."""

MAX_TOKEN_FILE_BYTES = 64 * 1024
"""The largest token file read (STS takes tokens of up to 20,000 characters)."""

_sleep = time.sleep  # replaced in tests


@runtime_checkable
class IdentityTokenRetriever(Protocol):
    """Anything that returns the current web identity token (a JWT): Go's
    ``IdentityTokenRetriever`` (``GetIdentityToken``)."""

    def get_identity_token(self) -> str: ...


def read_regular(path: str, limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``path``, without blocking on anything
    else: OSError with EINVAL for a FIFO, device or directory, EFBIG past ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        chunks: list[bytes] = []
        size = limit + 1
        while size > 0 and (chunk := os.read(fd, size)):
            chunks.append(chunk)
            size -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes")
    return data


class IdentityTokenFile:
    """The token in the file at ``path``, re-read on every call because tokens rotate (Go's
    ``IdentityTokenFile``). Only a regular file of at most ``MAX_TOKEN_FILE_BYTES`` is
    read (a FIFO or device is refused without blocking); surrounding whitespace is
    stripped. Errors are ``ProviderError`` naming the path, never the token."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def __repr__(self) -> str:
        return f"IdentityTokenFile({self.path!r})"

    def get_identity_token(self) -> str:
        """The token in the file, stripped."""
        try:
            data = read_regular(self.path, MAX_TOKEN_FILE_BYTES)
        except FileNotFoundError:
            raise ProviderError("web identity token file not found", file=self.path) from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ProviderError(
                f"cannot read web identity token file: {reason}", file=self.path
            ) from None
        try:
            token = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ProviderError(
                "web identity token file is not valid UTF-8", file=self.path
            ) from None
        if not token:
            raise ProviderError("web identity token file is empty", file=self.path)
        remember(token)
        return token


def client_max_attempts(client: object) -> int:
    """The HTTP attempts a botocore client makes per call, retries included: its
    ``total_max_attempts``, else botocore's default for its retry mode; for a client
    without botocore's ``meta.config.retries``, ``DEFAULT_MAX_ATTEMPTS``."""
    config = getattr(getattr(client, "meta", None), "config", None)
    retries = getattr(config, "retries", None)
    if not isinstance(retries, Mapping):
        return DEFAULT_MAX_ATTEMPTS
    total = retries.get("total_max_attempts")
    if isinstance(total, int) and not isinstance(total, bool) and total >= 1:
        return total
    return LEGACY_MAX_ATTEMPTS if retries.get("mode") == "legacy" else DEFAULT_MAX_ATTEMPTS


def attempts_made(error: StsError) -> int:
    """The HTTP attempts behind a failed call (botocore's ``RetryAttempts`` + 1)."""
    metadata = (error.response or {}).get("ResponseMetadata")
    retried = metadata.get("RetryAttempts") if isinstance(metadata, Mapping) else None
    return 1 + retried if isinstance(retried, int) and retried > 0 else 1


class WebIdentityRoleProvider:
    """Assume ``role_arn`` with the token from ``token_retriever``: Go's
    ``NewWebIdentityRoleProvider`` with its ``WebIdentityRoleOptions`` as keywords.

    ``duration`` None (the default) sends no DurationSeconds, as in Go. ``policy_arns``
    takes ARN strings or boto3's ``[{"arn": ...}]`` (a bare ``str`` is a ``TypeError``).
    Without ``role_session_name`` one is generated at construction (``clock`` gives its
    time) and kept. InvalidIdentityToken is retried with a freshly read token while the
    HTTP attempts of the whole retrieve stay within ``max_attempts`` (None: the client's
    own, ``client_max_attempts``); other errors, IDPCommunicationError included, are
    left to the client's retries. ``label`` names the hop in errors (default: the role ARN).
    """

    name = WEB_IDENTITY_PROVIDER_NAME

    def __init__(
        self,
        client: AssumeRoleWithWebIdentityClient,
        role_arn: str,
        token_retriever: IdentityTokenRetriever,
        *,
        role_session_name: str | None = None,
        duration: timedelta | int | None = None,
        policy: str | None = None,
        policy_arns: PolicyArns = (),
        label: str | None = None,
        max_attempts: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.client = client
        self.role_arn = role_arn
        self.token_retriever = token_retriever
        self.role_session_name = role_session_name or generate_session_name(clock=clock)
        self.duration_seconds = duration_seconds(duration, None)
        self.policy = policy
        self.policy_arns = policy_arn_list(policy_arns)
        self.label = label
        self.max_attempts = max_attempts

    @property
    def hop(self) -> str:
        """How errors name this hop."""
        return self.label or self.role_arn

    def __repr__(self) -> str:
        return (
            f"WebIdentityRoleProvider(role_arn={self.role_arn!r}, "
            f"token_retriever={self.token_retriever!r}, label={self.label!r})"
        )

    def request(self) -> dict[str, Any]:
        """The AssumeRoleWithWebIdentity parameters, without the token (read per call)."""
        params: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": self.role_session_name,
        }
        if self.duration_seconds is not None:
            params["DurationSeconds"] = self.duration_seconds
        if self.policy:
            params["Policy"] = self.policy
        if self.policy_arns:
            params["PolicyArns"] = [{"arn": arn} for arn in self.policy_arns]
        return params

    def _token(self) -> str:
        try:
            token = self.token_retriever.get_identity_token()
            remember(token)
            return token
        except ProviderError as exc:
            if exc.hop is None:
                exc.hop = self.hop
            raise

    def _call(self, params: dict[str, Any]) -> Mapping[str, Any]:
        with translating_errors("AssumeRoleWithWebIdentity", hop=self.hop, client=self.client):
            return self.client.assume_role_with_web_identity(
                WebIdentityToken=self._token(), **params
            )

    def retrieve(self) -> Credentials:
        """Call AssumeRoleWithWebIdentity with the current token."""
        params = self.request()
        budget = self.max_attempts or client_max_attempts(self.client)
        made = 0
        while True:
            try:
                response = self._call(params)
            except StsError as exc:
                made += attempts_made(exc)
                if exc.code not in RETRYABLE_CODES or made >= budget:
                    raise
                _sleep(random.uniform(0, 0.2 * 2**made))
                continue
            return credentials_from_response(
                response, operation="AssumeRoleWithWebIdentity", source=self.name, hop=self.hop
            )
