"""A failed STS call, shared for a few seconds with the processes that waited for it.

When many processes find no valid session and STS throttles, one of them calls STS (with
botocore's jittered retries) while the rest wait on the entry's lock. If that call fails,
it records the error beside the entry (``<key>.fail``, 0600: the one-line message and
code, never a secret), and each waiter that then takes the lock raises the same error
instead of calling STS again.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta
from pathlib import Path

from resolver.cache.answers import read_private
from resolver.cache.store import MAX_ENTRY_BYTES, CacheStore, parse_rfc3339, rfc3339
from resolver.config.values import load_json
from resolver.errors import CacheError

SHARED_FAILURE = timedelta(seconds=10)
"""How long an STS failure is shared with the processes that waited for it."""


def failure_path(store: CacheStore, key: str) -> Path:
    """Where ``key``'s last STS failure is recorded."""
    return store.directory / f"{key}.fail"


def record_failure(
    store: CacheStore, key: str, message: str, code: str | None, at: datetime
) -> None:
    """Record that ``key``'s STS call just failed (best effort)."""
    data = {"key": key, "message": message[:500], "code": code, "at": rfc3339(at)}
    with contextlib.suppress(CacheError):
        store.write_private(failure_path(store, key), json.dumps(data).encode(), "failure record")


def recent_failure(
    store: CacheStore, key: str, now: datetime, within: timedelta = SHARED_FAILURE
) -> tuple[str, str | None] | None:
    """(message, code) of ``key``'s STS failure less than ``within`` ago, else None."""
    try:
        data = load_json(read_private(str(failure_path(store, key)), MAX_ENTRY_BYTES))
        at, message, code = parse_rfc3339(data["at"]), data["message"], data["code"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("key") != key or not isinstance(message, str):
        return None
    if code is not None and not isinstance(code, str):
        return None
    return (message, code) if at <= now < at + within else None


def forget_failure(store: CacheStore, key: str) -> None:
    """Drop ``key``'s failure record after a success."""
    with contextlib.suppress(OSError):
        failure_path(store, key).unlink(missing_ok=True)
