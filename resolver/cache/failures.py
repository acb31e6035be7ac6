"""A failed STS call, shared for a few seconds with the processes that waited for it.

When many processes find no valid session and STS throttles, one of them calls STS (with
botocore's jittered retries) while the rest wait on the entry's lock. If that call fails,
it records the error beside the entry (``<key>.fail``, 0600: the one-line message, the
code, a random id and an HMAC of the MFA code it sent, never a secret or the code), and
each waiter that then takes the lock raises the same error, saying it is a replay,
instead of calling STS again.

A record stands in only for the same call made by a process that was already waiting
when it was written: the waiter notes the record's id before it waits (``failure_id``)
and uses only a record with another id (``shared_failure``), so a process started after
the failure (a retry with a corrected MFA code) calls STS itself. A call that sends an
MFA code replays only a failure of that very code (``Attempt``): the waiter asks for its
code first. ``rolechain cache clear`` removes records (``clear_failures``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from resolver.cache.private import read_private
from resolver.cache.store import MAX_ENTRY_BYTES, CacheStore
from resolver.config.values import load_json
from resolver.errors import CacheError, StsError
from resolver.records import Record
from resolver.timefmt import parse_rfc3339, rfc3339_exact

SHARED_FAILURE = timedelta(seconds=10)
"""How long an STS failure is shared with the processes that waited for it."""
SUFFIX = ".fail"


def failure_path(store: CacheStore, key: str) -> Path:
    """Where ``key``'s last STS failure is recorded."""
    return store.directory / f"{key}{SUFFIX}"


def _code_digest(record_id: str, code: str) -> str:
    """The MFA code's HMAC keyed by the record's random id: equal codes compare equal,
    the code itself is never written (six digits are no secret from someone who can read
    the 0600 record, but a used or refused code is worth nothing)."""
    return hmac.new(bytes.fromhex(record_id), code.encode(), hashlib.sha256).hexdigest()


class Failure(Record):
    """A recorded failure: the error's parts, when, and the HMAC of the code it sent."""

    record_id: str
    message: str
    hop: str | None
    code: str | None
    at: datetime
    sent: str | None = None

    def same_code(self, code: str) -> bool:
        """True when the failed call sent ``code``."""
        return self.sent is not None and hmac.compare_digest(
            self.sent, _code_digest(self.record_id, code)
        )

    def error(self, now: datetime) -> StsError:
        """The failure, replayed: the same message, saying where it comes from."""
        age = max(0, round((now - self.at).total_seconds()))
        message = f"{self.message} (the same call failed in another rolechain process {age} s ago)"
        return StsError(message, hop=self.hop, code=self.code)


def record_failure(
    store: CacheStore,
    key: str,
    error: StsError,
    at: datetime,
    *,
    sent_code: str | None = None,
    profiles: tuple[str, ...] = (),
) -> None:
    """Record that ``key``'s STS call just failed with ``error`` (best effort);
    ``sent_code``: the MFA code it sent; ``profiles``: the chain's, for ``cache clear``."""
    record_id = os.urandom(16).hex()
    data = {
        "key": key,
        "id": record_id,
        "message": error.message[:500],
        "hop": error.hop[:500] if error.hop else None,
        "code": error.code[:100] if error.code else None,
        "at": rfc3339_exact(at),
        "sent": _code_digest(record_id, sent_code) if sent_code is not None else None,
        "profiles": list(profiles),
    }
    with contextlib.suppress(CacheError):
        store.write_private(failure_path(store, key), json.dumps(data).encode(), "failure record")


def _read(store: CacheStore, key: str) -> dict[str, object] | None:
    try:
        data = load_json(read_private(str(failure_path(store, key)), MAX_ENTRY_BYTES))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def _failure(data: dict[str, object]) -> Failure | None:
    fields = [data.get(name) for name in ("id", "message", "hop", "code", "at", "sent")]
    record_id, message, hop, code, at, sent = fields
    if not all(isinstance(v, str) for v in (record_id, message, at)):
        return None
    if not all(v is None or isinstance(v, str) for v in (hop, code, sent)):
        return None
    try:
        bytes.fromhex(str(record_id))
        moment = parse_rfc3339(str(at))
    except ValueError:
        return None
    return Failure(str(record_id), str(message), hop, code, moment, sent)  # type: ignore[arg-type]


def failure_id(store: CacheStore, key: str) -> str | None:
    """The id of ``key``'s failure record now (None if none): noted before waiting."""
    data = _read(store, key)
    record_id = data.get("id") if data else None
    return record_id if isinstance(record_id, str) else None


def shared_failure(
    store: CacheStore,
    key: str,
    now: datetime,
    seen: str | None,
    within: timedelta = SHARED_FAILURE,
) -> Failure | None:
    """``key``'s failure recorded while this process waited (its id is not ``seen``, the
    one noted before waiting) less than ``within`` ago, else None."""
    data = _read(store, key)
    failure = _failure(data) if data else None
    if failure is None or failure.record_id == seen:
        return None
    return failure if failure.at <= now < failure.at + within else None


class Attempt:
    """Watches the MFA code a call is about to send (``resolver.stscreds.tokens``):
    remembers the first one, and replays ``shared`` instead when it failed with that code."""

    def __init__(self, shared: Failure | None, now: datetime) -> None:
        self.shared = shared
        self.now = now
        self.code: str | None = None
        self.replayed = False

    def __call__(self, code: str) -> None:
        if self.code is not None:  # a later code is another step's (a caller's)
            return
        self.code = code
        if self.shared is not None and self.shared.same_code(code):
            self.replayed = True
            raise self.shared.error(self.now)


def forget_failure(store: CacheStore, key: str) -> None:
    """Drop ``key``'s failure record after a success."""
    with contextlib.suppress(OSError):
        failure_path(store, key).unlink(missing_ok=True)


def clear_failures(store: CacheStore, profile: str | None = None) -> None:
    """Remove every failure record, or those of chains through ``profile``."""
    try:
        names = os.listdir(store.directory)
    except OSError:
        return
    for name in names:
        key, suffix = name[: -len(SUFFIX)], name[-len(SUFFIX) :]
        if suffix != SUFFIX or len(key) != 64:
            continue
        if profile is not None:
            data = _read(store, key)
            profiles = data.get("profiles") if data else None
            if data and isinstance(profiles, list) and profile not in profiles:
                continue
        forget_failure(store, key)
