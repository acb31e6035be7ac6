"""The STS client protocol and helpers the STS providers share.

Errors: ``sts_error`` turns a botocore failure (``ClientError``, connection errors, missing
caller credentials, parameter validation) into a one-line ``StsError``. botocore is
imported inside the function only, so importing this module stays cheap.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, runtime_checkable

from resolver.errors import StsError
from resolver.stscreds.credentials import Credentials, account_id_from_arn

_WHITESPACE = re.compile(r"\s+")
_MAX_MESSAGE = 500


@runtime_checkable
class AssumeRoleClient(Protocol):
    """What ``AssumeRoleProvider`` calls: Go's ``AssumeRoleAPIClient``.

    A boto3 STS client, a typed ``mypy_boto3_sts.STSClient`` or any stub with this method.
    The signature is ``(*args, **kwargs)`` so that mypy accepts the typed client's
    keyword-only parameters; the providers only ever pass keyword arguments.
    """

    def assume_role(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]: ...


@runtime_checkable
class AssumeRoleWithWebIdentityClient(Protocol):
    """What ``WebIdentityRoleProvider`` calls: Go's ``AssumeRoleWithWebIdentityAPIClient``."""

    def assume_role_with_web_identity(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]: ...


@runtime_checkable
class GetSessionTokenClient(Protocol):
    """What ``SessionTokenProvider`` calls (GetSessionToken; no Go counterpart)."""

    def get_session_token(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]: ...


def one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Collapse whitespace so ``text`` fits on one line, truncated to ``limit`` chars."""
    flat = _WHITESPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def endpoint_of(client: object) -> str | None:
    """The endpoint URL of a boto3 client, or None for other clients."""
    url = getattr(getattr(client, "meta", None), "endpoint_url", None)
    return url if isinstance(url, str) else None


def sts_error(
    exc: BaseException,
    *,
    operation: str,
    hop: str | None = None,
    endpoint: str | None = None,
) -> StsError | None:
    """The ``StsError`` for a botocore failure of ``operation``; None if ``exc`` is not one.

    ``ClientError`` keeps the STS error code (``AccessDenied``, ``ExpiredToken``,
    ``Throttling``...). Connection failures and timeouts name the endpoint and carry no
    code. The message is one line and never includes request parameters.
    """
    from botocore.exceptions import (
        ClientError,
        HTTPClientError,
        NoCredentialsError,
        ParamValidationError,
    )
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.parsers import ResponseParserError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "") or None
        message = str(error.get("Message") or "") or str(code or "unknown error")
        return StsError(
            f"{operation} failed: {one_line(message)}",
            code=code,
            hop=hop,
            response=dict(exc.response),
        )
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        url = exc.kwargs.get("endpoint_url") or endpoint or "the STS endpoint"
        what = type(exc).__name__.removesuffix("Error")
        reason = _CONNECTION_REASONS.get(what, f"network error ({what})")
        return StsError(f"{operation} failed: could not reach STS at {url}: {reason}", hop=hop)
    if isinstance(exc, ResponseParserError) or _raised_in_parser(exc):  # never show the body
        return StsError(f"{operation} failed: STS sent a response that is not valid XML", hop=hop)
    if isinstance(exc, NoCredentialsError):
        return StsError(f"{operation} failed: no credentials to sign the request", hop=hop)
    if isinstance(exc, ParamValidationError):
        report = str(exc.kwargs.get("report", exc))
        return StsError(f"{operation} failed: invalid parameters: {one_line(report)}", hop=hop)
    return None


def _raised_in_parser(exc: BaseException) -> bool:
    """True for an error botocore's response parser raised on a body it could not read
    (a ``KeyError`` for an empty or HTML answer): the response was malformed."""
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    module = trace.tb_frame.f_globals.get("__name__", "") if trace is not None else ""
    return isinstance(module, str) and module.startswith("botocore.parsers")


_CONNECTION_REASONS = {
    "EndpointConnection": "connection failed",
    "ConnectTimeout": "connect timed out",
    "ReadTimeout": "read timed out",
    "ConnectionClosed": "connection closed before a response",
    "ProxyConnection": "proxy connection failed",
    "SSL": "TLS error",
}


@contextmanager
def translating_errors(operation: str, *, hop: str | None, client: object = None) -> Iterator[None]:
    """Re-raise botocore failures inside the block as ``StsError`` (see ``sts_error``)."""
    try:
        yield
    except Exception as exc:
        error = sts_error(exc, operation=operation, hop=hop, endpoint=endpoint_of(client))
        if error is None:
            raise
        raise error from exc


def duration_seconds(value: timedelta | int | None, default: timedelta | None) -> int | None:
    """Whole, positive seconds for DurationSeconds (None: ``default``, or don't send)."""
    if value is None:
        value = default
        if value is None:
            return None
    if isinstance(value, bool):
        raise TypeError("duration must be a timedelta or int seconds, not bool")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds != int(seconds):
            raise ValueError(f"duration must be whole seconds, got {value}")
        value = int(seconds)
    if not isinstance(value, int):
        raise TypeError(f"duration must be a timedelta or int seconds, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"duration must be positive, got {value} seconds")
    return value


SESSION_NAME_PREFIX = "rolechain"
"""Generated RoleSessionNames are ``rolechain-<unix ns>-<8 random hex>`` (Go:
``aws-go-sdk-<unix ns>``)."""


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def generate_session_name(
    prefix: str = SESSION_NAME_PREFIX, clock: Callable[[], datetime] | None = None
) -> str:
    """A unique, valid RoleSessionName: ``<prefix>-<unix ns>-<8 random hex>`` (≤ 64 chars);
    the time is ``clock()`` when given (an aware datetime), else the system's."""
    nanos = (
        time.time_ns() if clock is None else (clock() - _EPOCH) // timedelta(microseconds=1) * 1000
    )
    return f"{prefix}-{nanos}-{secrets.token_hex(4)}"[:64]


def parse_expiration(value: object) -> datetime:
    """An aware UTC ``datetime`` from a boto3 datetime, an ISO 8601 string or epoch seconds."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        raise ValueError(f"unsupported Expiration type {type(value).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def credentials_from_response(
    response: Mapping[str, Any], *, operation: str, source: str, hop: str | None
) -> Credentials:
    """``Credentials`` from an AssumeRole* / GetSessionToken response.

    The account id comes from ``AssumedRoleUser.Arn`` when present.
    """
    raw = response.get("Credentials")
    try:
        if not isinstance(raw, Mapping):
            raise KeyError("Credentials")
        access_key_id = str(raw["AccessKeyId"])
        secret_access_key = str(raw["SecretAccessKey"])
        session_token = str(raw["SessionToken"])
        expires = parse_expiration(raw["Expiration"])
    except (KeyError, TypeError, ValueError) as exc:
        # Only the field name or type goes into the message, never a value.
        detail = f"missing {exc}" if isinstance(exc, KeyError) else "bad Expiration"
        raise StsError(f"{operation} returned malformed credentials ({detail})", hop=hop) from None
    user = response.get("AssumedRoleUser")
    arn = user.get("Arn") if isinstance(user, Mapping) else None
    return Credentials(
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        expires=expires,
        source=source,
        account_id=account_id_from_arn(arn if isinstance(arn, str) else None),
    )
