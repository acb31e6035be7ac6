"""``ProfileSource``: one profile's answer, from memory, refreshed once ahead of expiry.

Credentials come from ``resolver.api.resolve`` (the per-hop memory and disk caches and
their cross-process locks), so servers and CLI runs on one machine share each STS call.
The rendered answer is kept in memory: an SDK that asks again and again (botocore does
when a session is shorter than its advisory window) is answered without touching the
caches. Within ``margin`` of expiry one background refresh runs (single flight) while
the still-valid answer keeps being served; only a request with nothing valid to serve
waits for it, and at most ``wait`` seconds. A refresh that needs an MFA code nobody can
give (a ``TokenError``) ends in a 503 naming the profile and what to do; it is retried
on a later request, never in a loop.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from resolver.errors import ResolverError, TokenError
from resolver.server.protocol import error_body
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.flight import Flight, join
from resolver.timefmt import rfc3339_seconds

logger = logging.getLogger(__name__)

DEFAULT_MARGIN = timedelta(minutes=5)
RETRY_AFTER = 10.0
"""Seconds before trying again after a refresh that failed or returned the same session."""
NON_EXPIRING = timedelta(hours=1)
"""How long an answer for credentials that never expire is offered (SDKs need a time)."""
DEFAULT_WAIT = 30.0

Fetch = Callable[[], Credentials]
Render = Callable[[Credentials, float], tuple[bytes, float]]
"""Credentials and the time now (POSIX seconds) -> the answer's body and its expiry."""


def credentials_document(credentials: Credentials, now: float) -> tuple[dict[str, str], datetime]:
    """The fields both server protocols answer with, and the expiry they state."""
    expires = credentials.expires or datetime.fromtimestamp(now, timezone.utc) + NON_EXPIRING
    document = {
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key,
        "Token": credentials.session_token or "",
        "Expiration": rfc3339_seconds(expires),
    }
    if credentials.account_id:
        document["AccountId"] = credentials.account_id
    return document, expires


def render(credentials: Credentials, now: float) -> tuple[bytes, float]:
    """The container-protocol answer and its expiry (POSIX seconds)."""
    document, expires = credentials_document(credentials, now)
    return json.dumps(document).encode(), expires.timestamp()


@dataclass(frozen=True)
class _Answer:
    credentials: Credentials
    body: bytes
    expires_at: float
    refresh_at: float


def mfa_unavailable(profile: str, exc: TokenError) -> bytes:
    """The 503 body for a refresh that needs an MFA code nobody can be asked for."""
    return error_body(
        "MfaCodeUnavailable",
        f"profile {profile!r} needs an MFA code to refresh its credentials and rolechain "
        f"cannot ask for one here ({exc}). Run `rolechain export {profile} --mfa-token CODE` "
        "(or, in a terminal, without --mfa-token) to put fresh credentials in the shared "
        "cache this server reads, or set mfa_process for the profile.",
        profile=profile,
        reason=exc.reason,
    )


class ProfileSource:
    """The answers for one profile (see the module docstring), as ``render`` writes them
    (default: the container protocol's). ``clock`` and ``margin`` are the test hooks for
    expiry."""

    def __init__(
        self,
        profile: str,
        fetch: Fetch,
        *,
        margin: timedelta = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
        wait: float = DEFAULT_WAIT,
        render: Render = render,
    ) -> None:
        self.profile = profile
        self._fetch = fetch
        self._render = render
        self.margin = margin
        self.clock = clock
        self.wait = wait
        self._answer: _Answer | None = None
        self._lock = threading.Lock()
        self._flight: Flight[None] | None = None

    def __repr__(self) -> str:
        return f"ProfileSource({self.profile!r})"

    @property
    def credentials(self) -> Credentials | None:
        """The credentials last fetched, if any (valid or not)."""
        current = self._answer
        return current.credentials if current else None

    def ready(self) -> bytes | None:
        """The answer if one is valid (starting a refresh inside the margin), without
        waiting; None when a request must wait for a fetch (``answer``)."""
        return self._ready(self._answer)

    def _ready(self, current: _Answer | None) -> bytes | None:
        if current is None:
            return None
        now = self.clock()
        if now < current.refresh_at:
            return current.body
        if now < current.expires_at:
            self._start()
            return current.body
        return None

    def answer(self) -> tuple[int, bytes]:
        """The HTTP status and body for a GET of this profile (may wait for a fetch)."""
        current = self._answer
        body = self._ready(current)
        if body is not None:
            return 200, body
        with self._lock:
            # A refresh that finished since ``current`` was read left a newer answer: use it.
            flight = self._start_locked() if self._answer is current else None
        if flight is not None and not flight.done.wait(self.wait):
            return 503, error_body(
                "RefreshPending", f"credentials for {self.profile!r} are still being refreshed"
            )
        fresh = self._answer
        if fresh is not None and self.clock() < fresh.expires_at and fresh is not current:
            return 200, fresh.body
        return 503, self._failure(flight.error if flight else None)

    def prime(self) -> None:
        """Fetch now, in this thread; errors propagate (start-up checks)."""
        self._store(self._fetch())

    def _failure(self, error: BaseException | None) -> bytes:
        if isinstance(error, TokenError):
            return mfa_unavailable(self.profile, error)
        if isinstance(error, ResolverError):  # secret-free messages by contract
            return error_body(
                "RefreshFailed", str(error), profile=self.profile, reason=error.reason
            )
        what = type(error).__name__ if error else "no credentials"
        return error_body("RefreshFailed", f"refresh failed: {what}", profile=self.profile)

    def _start(self) -> Flight[None]:
        """The refresh under way, or a new one."""
        with self._lock:
            return self._start_locked()

    def _start_locked(self) -> Flight[None]:
        flight, leader = join(self._flight, "refresh")
        if leader:
            self._flight = flight
            threading.Thread(
                target=self._refresh, args=(flight,), name="rolechain-refresh", daemon=True
            ).start()
        return flight

    def _refresh(self, flight: Flight[None]) -> None:
        try:
            self._store(self._fetch())
        except BaseException as exc:
            try:
                self._refresh_failed(exc)
            finally:
                flight.fail(exc)
        else:
            flight.succeed(None)

    def _refresh_failed(self, exc: BaseException) -> None:
        """Keep serving a still-valid answer, retried after ``RETRY_AFTER``; log why."""
        current = self._answer
        now = self.clock()
        if current is not None and now < current.expires_at:
            retry = min(now + RETRY_AFTER, current.expires_at)
            self._answer = _Answer(current.credentials, current.body, current.expires_at, retry)
        why = str(exc) if isinstance(exc, ResolverError) else type(exc).__name__
        logger.error("rolechain serve: %s: refresh failed: %s", self.profile, why)

    def _store(self, credentials: Credentials) -> None:
        now = self.clock()
        current = self._answer
        if current is not None and credentials is current.credentials:
            body, expires_at = current.body, current.expires_at
        else:
            body, expires_at = self._render(credentials, now)
        refresh_at = expires_at - self.margin.total_seconds()
        if refresh_at <= now:  # still inside the margin: the caches had nothing newer
            refresh_at = min(now + RETRY_AFTER, expires_at)
        self._answer = _Answer(credentials, body, expires_at, refresh_at)
