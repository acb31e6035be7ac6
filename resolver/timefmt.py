"""RFC 3339 timestamps: the two forms rolechain writes and the two rules it reads by.

Written: ``rfc3339_seconds`` (``2030-01-02T03:04:05Z``: UTC, whole seconds, as the AWS
tools, the container protocol and the SSO token cache write it) and ``rfc3339_exact``
(the same, plus ``.ffffff`` when there is a fraction: the cache files, which must read
back the moment they wrote). Read: ``parse_rfc3339`` (a zone is required: the cache's
own files) and ``parse_expiration`` (what credential sources send: no zone means UTC, any
number of fraction digits). Stdlib only and cheap to import (the warm path may).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


def rfc3339_seconds(moment: datetime) -> str:
    """``2030-01-02T03:04:05Z``: UTC, whole seconds (a fraction is dropped)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_exact(moment: datetime) -> str:
    """UTC with ``Z``; ``.ffffff`` only when there is a fraction (STS sends none)."""
    utc = moment.astimezone(timezone.utc)
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def parse_rfc3339(text: str) -> datetime:
    """An aware UTC datetime; raises ValueError on anything else (no zone included)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("timestamp without a time zone")
    return moment.astimezone(timezone.utc)


_EXPIRATION = (
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$"
)


def parse_expiration(value: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (no offset is taken as UTC).

    Accepts ``Z`` or ``+hh:mm`` and any number of fraction digits (truncated to
    microseconds), which ``datetime.fromisoformat`` does not before Python 3.11.
    Raises ValueError for anything else.
    """
    import re

    match = re.match(_EXPIRATION, value.strip())
    if not match:
        raise ValueError(f"not an RFC 3339 timestamp: {value.strip()[:40]!r}")
    year, month, day, hour, minute, second, fraction, _zulu, sign, off_h, off_m = match.groups()
    tz = timezone.utc
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(-offset if sign == "-" else offset)
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tzinfo=tz
    )
