"""``CredentialsCache``: Go's ``aws.CredentialsCache``, thread-safe and single-flight.

Go's options, by Go's names and with Go's defaults: credentials are *due* for refresh
``expiry_window`` before they expire (default: no window, i.e. at expiry), and
``expiry_window_jitter_frac`` (0..1, default 0) narrows that window by a random part of
it, drawn once per credential set: due at
``expires - (expiry_window - rand * expiry_window_jitter_frac * expiry_window)``.

Deliberate differences with Go:

- a refresh never starts in the first half of a credential set's remaining life, so
  credentials issued already inside the window (say 15-minute credentials and a
  20-minute window) are not re-fetched, nor an MFA code re-asked, on every call;
- if an early refresh fails while the current credentials are still valid, those keep
  being served, and the next attempt waits ``retry_backoff`` (or until expiry, whichever
  comes first); expired credentials are never served;
- the credentials returned keep their real ``expires`` (Go moves it back by the window);
- an out-of-range window or fraction is a ``ValueError`` (Go clamps it);
- ``clock`` (a callable returning an aware datetime, as Go's tests swap ``sdk.NowTime``)
  and ``rand`` (a float in [0, 1)) can be injected.

Concurrency: at most one ``provider.retrieve()`` runs at a time (the *leader*). Callers
that arrive while it runs get the current credentials at once if those have not
expired, and otherwise wait and share the leader's outcome: its credentials, or its
error (they do not retry; the next call after the failure starts a new retrieve).
Credentials without an expiry are cached until ``invalidate()``.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from resolver.errors import ProviderError, ResolverError
from resolver.stscreds.credentials import Credentials, CredentialsProvider, refresh_due
from resolver.stscreds.flight import Flight, join

logger = logging.getLogger(__name__)

DEFAULT_RETRY_BACKOFF = timedelta(seconds=30)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware, in UTC: the default clock."""
    return datetime.now(timezone.utc)


class _Cached(NamedTuple):
    """Immutable cache state: the credentials and when to refresh them, as a POSIX
    timestamp (infinity: never), which the warm path compares with ``time.time()``."""

    credentials: Credentials
    refresh_ts: float

    @classmethod
    def of(cls, credentials: Credentials, refresh_at: datetime | None) -> _Cached:
        return cls(credentials, refresh_at.timestamp() if refresh_at else math.inf)


def _describe(exc: BaseException) -> str:
    # ResolverError messages are secret-free by contract; others may not be.
    return str(exc) if isinstance(exc, ResolverError) else type(exc).__name__


class CredentialsCache:
    """Cache ``provider``'s credentials; itself a ``CredentialsProvider`` (Go's
    ``aws.NewCredentialsCache``; see the module docstring for the options)."""

    def __init__(
        self,
        provider: CredentialsProvider,
        *,
        expiry_window: timedelta = timedelta(0),
        expiry_window_jitter_frac: float = 0.0,
        clock: Clock | None = None,
        retry_backoff: timedelta = DEFAULT_RETRY_BACKOFF,
        rand: Callable[[], float] | None = None,
    ) -> None:
        if expiry_window < timedelta(0):
            raise ValueError("expiry_window must not be negative")
        if not 0.0 <= expiry_window_jitter_frac <= 1.0:
            raise ValueError("expiry_window_jitter_frac must be a fraction between 0 and 1")
        if retry_backoff <= timedelta(0):
            raise ValueError("retry_backoff must be positive")
        self._provider = provider
        self.expiry_window = expiry_window
        self.expiry_window_jitter_frac = expiry_window_jitter_frac
        self.retry_backoff = retry_backoff
        self._clock: Clock = clock or utc_now
        self._timestamp: Callable[[], float] = (
            time.time if clock is None else lambda: clock().timestamp()
        )
        self._rand = rand or random.random
        self._lock = threading.Lock()
        self._cached: _Cached | None = None
        self._flight: Flight[Credentials] | None = None
        self._generation = 0

    @property
    def name(self) -> str:
        """The wrapped provider's name."""
        return self._provider.name

    @property
    def clock(self) -> Clock:
        """What decides when credentials are due: ``clock=``, else the current UTC time."""
        return self._clock

    @property
    def provider(self) -> CredentialsProvider:
        """The wrapped provider."""
        return self._provider

    def __repr__(self) -> str:
        return f"CredentialsCache({self._provider!r})"

    def retrieve(self) -> Credentials:
        """The cached credentials, refreshed first when due (see the module docstring)."""
        cached = self._cached  # one read of an immutable tuple: no lock on the warm path
        if cached is not None and self._timestamp() < cached.refresh_ts:
            return cached.credentials
        return self._refresh()

    def invalidate(self) -> None:
        """Forget the cached credentials; the next ``retrieve`` calls the provider.

        A retrieve already in flight still answers its own waiters, but its result is
        not cached.
        """
        with self._lock:
            self._cached = None
            self._flight = None
            self._generation += 1

    def due_at(self, credentials: Credentials, now: datetime) -> datetime | None:
        """When credentials fetched at ``now`` should be refreshed (None: never)."""
        expires = credentials.expires
        if expires is None:
            return None
        window = self.expiry_window - self.expiry_window * (
            self.expiry_window_jitter_frac * self._rand()
        )
        return refresh_due(now, expires, window)

    def _refresh(self) -> Credentials:
        with self._lock:
            now = self._clock()
            cached = self._cached
            if cached is not None and now.timestamp() < cached.refresh_ts:
                return cached.credentials
            flight, leader = join(self._flight, "credential refresh")
            self._flight = flight
            generation = self._generation
        if leader:
            return self._lead(flight, cached, generation)
        if cached is not None and not cached.credentials.expired(now):
            return cached.credentials  # an early refresh is running; these are still valid
        return flight.outcome()

    def _lead(
        self, flight: Flight[Credentials], cached: _Cached | None, generation: int
    ) -> Credentials:
        try:
            credentials = self._provider.retrieve()
            now = self._clock()
            if credentials.expired(now):
                hop = getattr(self._provider, "label", None)
                message = f"{self.name} returned credentials that already expired"
                raise ProviderError(message, hop=hop if isinstance(hop, str) else None)
        except BaseException as exc:
            return self._failed(flight, cached, generation, exc)
        entry = _Cached.of(credentials, self.due_at(credentials, now))
        with self._lock:
            if self._flight is flight:
                self._flight = None
            if generation == self._generation:
                self._cached = entry
        flight.succeed(credentials)
        return credentials

    def _failed(
        self,
        flight: Flight[Credentials],
        cached: _Cached | None,
        generation: int,
        exc: BaseException,
    ) -> Credentials:
        """Serve still-valid credentials after a failed early refresh, else raise ``exc``."""
        now = self._clock()
        current = cached.credentials if cached is not None else None
        with self._lock:
            if self._flight is flight:
                self._flight = None
            keep = (
                isinstance(exc, Exception)
                and current is not None
                and current.expires is not None
                and not current.expired(now)
                and generation == self._generation
            )
            if keep and current is not None and current.expires is not None:
                self._cached = _Cached.of(current, min(now + self.retry_backoff, current.expires))
        if not keep or current is None:
            flight.fail(exc)
            raise exc
        logger.debug(
            "early refresh by %s failed (%s); serving cached credentials until %s",
            self.name,
            _describe(exc),
            current.expires,
        )
        flight.succeed(current)
        return current
