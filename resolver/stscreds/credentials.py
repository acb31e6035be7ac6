"""The ``Credentials`` value, the ``CredentialsProvider`` protocol and ``provider_func``
(Go's ``aws.Credentials``, ``aws.CredentialsProvider`` and ``aws.CredentialsProviderFunc``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from resolver.errors import remember

_ACCOUNT_IN_ARN = re.compile(r"^arn:[^:]+:(?:sts|iam)::(\d{12}):")


@dataclass(frozen=True)
class Credentials:
    """AWS credentials (Go's ``aws.Credentials``). ``expires`` is an aware datetime or None
    (``can_expire``); ``source`` names the provider; ``account_id`` comes from the assumed
    role's ARN when known. ``repr`` shows the access key id only, never the secret or token.
    """

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expires: datetime | None = None
    source: str = ""
    account_id: str | None = None

    def __post_init__(self) -> None:
        remember(self.secret_access_key, self.session_token)
        if self.expires is not None and self.expires.tzinfo is None:
            raise ValueError("Credentials.expires must be an aware datetime")

    @property
    def can_expire(self) -> bool:
        """True when these credentials carry an expiry time."""
        return self.expires is not None

    def has_keys(self) -> bool:
        """True when the access key id and the secret are both non-empty (Go's ``HasKeys``)."""
        return bool(self.access_key_id) and bool(self.secret_access_key)

    def expired(self, now: datetime | None = None) -> bool:
        """True when the expiry time has passed (never, for credentials that can't expire)."""
        if self.expires is None:
            return False
        return (now or datetime.now(timezone.utc)) >= self.expires


def account_id_from_arn(arn: str | None) -> str | None:
    """The 12-digit account id in an ``arn:aws:sts::123456789012:assumed-role/...`` ARN."""
    if not arn:
        return None
    match = _ACCOUNT_IN_ARN.match(arn)
    return match.group(1) if match else None


def refresh_due(fetched_at: datetime, expires: datetime, window: timedelta) -> datetime:
    """When credentials fetched at ``fetched_at`` should be refreshed.

    ``window`` before expiry, but never in the first half of the life they had left when
    fetched, so credentials issued already inside the window are not re-fetched (or an
    MFA code re-asked) on every call.
    """
    return max(expires - window, fetched_at + (expires - fetched_at) / 2)


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything that can retrieve credentials (Go's ``aws.CredentialsProvider``); ``name``
    identifies it in errors and logs."""

    @property
    def name(self) -> str: ...

    def retrieve(self) -> Credentials: ...


class _ProviderFunc:
    """A ``CredentialsProvider`` that calls a function (see ``provider_func``)."""

    __slots__ = ("_fn", "name")

    def __init__(self, fn: Callable[[], Credentials], name: str) -> None:
        self._fn = fn
        self.name = name

    def __repr__(self) -> str:
        return f"provider_func({self._fn!r}, name={self.name!r})"

    def retrieve(self) -> Credentials:
        """What the function returns (a ``TypeError`` if it is not ``Credentials``)."""
        credentials = self._fn()
        if not isinstance(credentials, Credentials):
            kind = type(credentials).__name__
            raise TypeError(f"{self.name} returned {kind}, not Credentials")
        return credentials


def provider_func(
    fn: Callable[[], Credentials], name: str = "CredentialsProviderFunc"
) -> CredentialsProvider:
    """A ``CredentialsProvider`` whose ``retrieve`` calls ``fn`` (Go's
    ``aws.CredentialsProviderFunc``); ``name`` names it in errors and logs."""
    if not callable(fn):
        raise TypeError(f"provider_func takes a callable, not {type(fn).__name__}")
    return _ProviderFunc(fn, name)
