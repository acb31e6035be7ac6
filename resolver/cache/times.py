"""RFC 3339 timestamps, as the cache files and STS write them."""

from __future__ import annotations

from datetime import datetime, timezone


def rfc3339(moment: datetime) -> str:
    """UTC with ``Z``; fractional seconds only when there are any (STS sends none)."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{utc.microsecond:06d}Z" if utc.microsecond else "Z"
    )


def parse_rfc3339(text: str) -> datetime:
    """An aware UTC datetime; raises ValueError on anything else."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("timestamp without a time zone")
    return moment.astimezone(timezone.utc)
