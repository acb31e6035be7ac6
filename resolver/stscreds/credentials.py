"""The ``Credentials`` value and the ``CredentialsProvider`` protocol."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from resolver.errors import remember

_ACCOUNT_IN_ARN = re.compile(r"^arn:[^:]+:(?:sts|iam)::(\d{12}):")


@dataclass(frozen=True)
class Credentials:
    """AWS credentials. ``repr`` shows the access key id only, never the secret or token."""

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
    """Anything that can retrieve credentials; ``name`` identifies it in errors and logs."""

    @property
    def name(self) -> str: ...

    def retrieve(self) -> Credentials: ...
