"""Fakes the bridge tests share: a clock that moves when told, a provider that counts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from resolver.stscreds.cache import CredentialsCache
from resolver.stscreds.credentials import Credentials, CredentialsProvider

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
LIFETIME = timedelta(minutes=15)


class FakeClock:
    """An aware ``now`` that only moves when a test moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class CountingProvider:
    """Fresh credentials on every call, with a new access key each time (``AKIDBRIDGE...1``,
    ``...2``), expiring ``lifetime`` after the clock's now (never, for None)."""

    name = "CountingProvider"

    def __init__(self, clock: FakeClock, lifetime: timedelta | None = LIFETIME) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0

    def key(self, call: int) -> str:
        return f"AKIDBRIDGE{call:010d}"

    def retrieve(self) -> Credentials:
        self.calls += 1
        expires = None if self.lifetime is None else self.clock() + self.lifetime
        return Credentials(self.key(self.calls), "bridge-secret", "bridge-token", expires)


class CountingCache(CredentialsCache):
    """A ``CredentialsCache`` that counts how often it is asked (botocore's refreshes)."""

    asked = 0

    def retrieve(self) -> Credentials:
        self.asked += 1
        return super().retrieve()


def cache_with(
    provider: CredentialsProvider,
    clock: FakeClock,
    window: timedelta,
    frac: float = 0.0,
    cls: type[CredentialsCache] = CountingCache,
) -> Any:
    """A cache with Go's ``expiry_window`` and ``expiry_window_jitter_frac``."""
    return cls(provider, expiry_window=window, expiry_window_jitter_frac=frac, clock=clock)
