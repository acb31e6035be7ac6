"""CredentialsCache: single flight, refresh ahead with jitter, failure handling."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.errors import ProviderError, StsError
from resolver.stscreds.cache import CredentialsCache
from resolver.stscreds.credentials import Credentials, CredentialsProvider
from tests.hostile import fuzz_settings

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLECACHETOKEN"
WINDOW = timedelta(minutes=5)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class FakeProvider:
    """Returns credentials numbered by call; ``fail`` makes the next calls raise."""

    name = "FakeProvider"

    def __init__(
        self,
        clock: Callable[[], datetime] = lambda: T0,
        lifetime: timedelta | None = HOUR,
        delay: float = 0.0,
    ) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.delay = delay
        self.calls = 0
        self.fail: Exception | None = None
        self.lock = threading.Lock()

    def retrieve(self) -> Credentials:
        with self.lock:
            self.calls += 1
            number = self.calls
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        expires = self.clock() + self.lifetime if self.lifetime else None
        return Credentials(
            f"ASIAFAKE{number:012d}", SECRET, TOKEN, expires=expires, source=self.name
        )


def make(
    lifetime: timedelta | None = HOUR, rand: float = 0.0, **kwargs: Any
) -> tuple[CredentialsCache, FakeProvider, Clock]:
    clock = Clock()
    provider = FakeProvider(clock, lifetime)
    kwargs.setdefault("expiry_window", WINDOW)  # the window these tests were written for
    cache = CredentialsCache(provider, clock=clock, rand=lambda: rand, **kwargs)
    return cache, provider, clock


def test_is_a_provider_and_passes_name_through() -> None:
    cache, _, _ = make()
    assert isinstance(cache, CredentialsProvider)
    assert cache.name == "FakeProvider"


def test_warm_calls_do_not_call_provider() -> None:
    cache, provider, clock = make()
    first = cache.retrieve()
    clock.advance(timedelta(minutes=30))
    assert cache.retrieve() is first
    assert provider.calls == 1


def test_warm_path_takes_no_lock() -> None:
    cache, provider, _ = make()
    cache.retrieve()

    class NoLock:
        def __enter__(self) -> None:
            raise AssertionError("lock taken on the warm path")

        def __exit__(self, *args: object) -> None:
            pass

    cache._lock = NoLock()  # type: ignore[assignment]
    for _ in range(100):
        cache.retrieve()
    assert provider.calls == 1


def test_non_expiring_credentials_cached_forever() -> None:
    cache, provider, clock = make(lifetime=None)
    cache.retrieve()
    clock.advance(timedelta(days=365 * 100))
    assert cache.retrieve().expires is None
    assert provider.calls == 1


def test_refreshes_at_window_before_expiry() -> None:
    cache, provider, clock = make(expiry_window=timedelta(minutes=5), expiry_window_jitter_frac=0.0)
    first = cache.retrieve()
    clock.advance(timedelta(minutes=54, seconds=59))
    assert cache.retrieve() is first
    assert provider.calls == 1
    clock.advance(timedelta(seconds=1))  # expires - 5 min: due
    second = cache.retrieve()
    assert second is not first
    assert provider.calls == 2


def test_jitter_narrows_the_window_by_at_most_its_fraction() -> None:
    # Go's formula: rand 0.5, frac 1/6, window 12 min: due at expires - (12 - 1) min.
    cache, provider, clock = make(
        expiry_window=timedelta(minutes=12), expiry_window_jitter_frac=1 / 6, rand=0.5
    )
    cache.retrieve()
    clock.advance(timedelta(minutes=48, seconds=59))
    cache.retrieve()
    assert provider.calls == 1
    clock.advance(timedelta(seconds=1))
    cache.retrieve()
    assert provider.calls == 2


def test_jitter_bounds_with_real_randomness() -> None:
    window = timedelta(minutes=5)  # the resolver's: 5.5 minutes narrowed by up to 1/11
    cache = CredentialsCache(
        FakeProvider(), expiry_window=window * 1.1, expiry_window_jitter_frac=1 / 11
    )
    creds = Credentials("AKID", SECRET, expires=T0 + HOUR)
    dues = {cache.due_at(creds, T0) for _ in range(500)}
    assert all(T0 + HOUR - window * 1.1 <= due <= T0 + HOUR - window for due in dues if due)
    assert len(dues) > 100  # actually random


def test_jitter_drawn_once_per_credential_set() -> None:
    draws: list[float] = []

    def rand() -> float:
        draws.append(0.3)
        return 0.3

    clock = Clock()
    provider = FakeProvider(clock)
    cache = CredentialsCache(provider, clock=clock, rand=rand)
    for _ in range(10):
        cache.retrieve()
        clock.advance(timedelta(minutes=1))
    assert len(draws) == 1


@pytest.mark.parametrize("jitter", [-0.1, 1.5])
def test_jitter_must_be_a_fraction(jitter: float) -> None:
    with pytest.raises(ValueError):
        CredentialsCache(FakeProvider(), expiry_window_jitter_frac=jitter)


def test_short_lived_credentials_not_refetched_immediately() -> None:
    # 4-minute credentials with a 5-minute window: refresh at half life, not every call.
    cache, provider, clock = make(lifetime=timedelta(minutes=4))
    cache.retrieve()
    clock.advance(timedelta(minutes=1, seconds=59))
    cache.retrieve()
    assert provider.calls == 1
    clock.advance(timedelta(seconds=1))
    cache.retrieve()
    assert provider.calls == 2


def test_failed_early_refresh_keeps_serving_valid_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache, provider, clock = make(retry_backoff=timedelta(seconds=30))
    first = cache.retrieve()
    clock.advance(timedelta(minutes=56))  # in the window, 4 minutes left
    provider.fail = StsError("AssumeRole failed: rate exceeded", code="Throttling", hop="ops")
    with caplog.at_level(logging.DEBUG, logger="resolver.stscreds.cache"):
        assert cache.retrieve() is first
    assert provider.calls == 2
    assert "Throttling" in caplog.text
    assert SECRET not in caplog.text
    assert TOKEN not in caplog.text
    # Backoff: no new attempt for 30 seconds.
    clock.advance(timedelta(seconds=29))
    assert cache.retrieve() is first
    assert provider.calls == 2
    clock.advance(timedelta(seconds=1))
    assert cache.retrieve() is first
    assert provider.calls == 3
    # Once the provider recovers, new credentials replace the old.
    provider.fail = None
    clock.advance(timedelta(seconds=30))
    assert cache.retrieve() is not first
    assert provider.calls == 4


def test_never_serves_expired_credentials() -> None:
    cache, provider, clock = make()
    cache.retrieve()
    provider.fail = StsError("AssumeRole failed: denied", code="AccessDenied")
    clock.advance(HOUR)  # exactly at expiry
    with pytest.raises(StsError) as info:
        cache.retrieve()
    assert info.value.code == "AccessDenied"


def test_backoff_never_extends_past_expiry() -> None:
    cache, provider, clock = make(retry_backoff=timedelta(minutes=10))
    cache.retrieve()
    clock.advance(timedelta(minutes=58))
    provider.fail = StsError("down", code="Throttling")
    cache.retrieve()  # served from cache, next try at expiry (not +10 min)
    clock.advance(timedelta(minutes=2))
    with pytest.raises(StsError):
        cache.retrieve()
    assert provider.calls == 3


def test_cold_failure_raises_and_next_call_retries() -> None:
    cache, provider, _ = make()
    provider.fail = StsError("denied", code="AccessDenied")
    with pytest.raises(StsError):
        cache.retrieve()
    provider.fail = None
    assert cache.retrieve().access_key_id == "ASIAFAKE000000000002"


def test_already_expired_credentials_rejected() -> None:
    cache, _, _ = make(lifetime=-timedelta(seconds=1))
    with pytest.raises(ProviderError, match="already expired"):
        cache.retrieve()


def test_invalidate_forces_retrieve() -> None:
    cache, provider, _ = make(lifetime=None)
    first = cache.retrieve()
    cache.invalidate()
    assert cache.retrieve() is not first
    assert provider.calls == 2


def _run_threads(count: int, target: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(target())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


def test_single_flight_under_32_threads() -> None:
    provider = FakeProvider(clock=lambda: datetime.now(timezone.utc), delay=0.3)
    cache = CredentialsCache(provider)
    results, errors = _run_threads(32, cache.retrieve)
    assert errors == []
    assert len(results) == 32
    assert provider.calls == 1
    assert all(creds is results[0] for creds in results)


def test_single_flight_failure_shared_by_waiters() -> None:
    provider = FakeProvider(delay=0.3)
    provider.fail = StsError("AssumeRole failed: denied", code="AccessDenied", hop="ops")
    cache = CredentialsCache(provider)
    results, errors = _run_threads(32, cache.retrieve)
    assert results == []
    assert len(errors) == 32
    assert provider.calls == 1
    assert all(isinstance(err, StsError) and err.code == "AccessDenied" for err in errors)
    provider.fail = None
    provider.delay = 0
    cache.retrieve()
    assert provider.calls == 2  # the failure is not cached


def test_early_refresh_does_not_block_other_callers() -> None:
    cache, provider, clock = make()
    first = cache.retrieve()
    clock.advance(timedelta(minutes=57))
    release = threading.Event()
    entered = threading.Event()
    original = provider.retrieve

    def slow() -> Credentials:
        entered.set()
        release.wait(10)
        return original()

    provider.retrieve = slow  # type: ignore[method-assign]
    leader = threading.Thread(target=cache.retrieve)
    leader.start()
    assert entered.wait(5)
    start = time.monotonic()
    assert cache.retrieve() is first  # not blocked behind the refresh
    assert time.monotonic() - start < 1
    release.set()
    leader.join(5)
    assert cache.retrieve() is not first
    assert provider.calls == 2


def test_invalidate_during_flight_discards_result() -> None:
    cache, provider, _ = make(lifetime=None)
    entered = threading.Event()
    release = threading.Event()
    original = provider.retrieve

    def slow() -> Credentials:
        entered.set()
        release.wait(10)
        return original()

    provider.retrieve = slow  # type: ignore[method-assign]
    leader = threading.Thread(target=cache.retrieve)
    leader.start()
    assert entered.wait(5)
    cache.invalidate()
    release.set()
    leader.join(5)
    provider.retrieve = original  # type: ignore[method-assign]
    cache.retrieve()
    assert provider.calls == 2


def test_no_secrets_in_reprs_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    cache, provider, _ = make()
    creds = cache.retrieve()
    texts = [repr(cache), repr(creds), str(creds)]
    expired_cache, _, _ = make(lifetime=-timedelta(seconds=1))
    with pytest.raises(ProviderError) as info:
        expired_cache.retrieve()
    texts += [str(info.value), repr(info.value)]

    class Leaky:
        name = "Leaky"

        def retrieve(self) -> Credentials:
            raise RuntimeError(f"oops {SECRET} {TOKEN}")

    leaky_clock = Clock()
    leaky = CredentialsCache(provider, clock=leaky_clock, expiry_window=WINDOW)
    leaky.retrieve()
    leaky._provider = Leaky()
    leaky_clock.advance(timedelta(minutes=58))
    with caplog.at_level(logging.DEBUG, logger="resolver.stscreds.cache"):
        leaky.retrieve()  # early refresh fails: served from cache, logged
    texts.append(caplog.text)
    assert "RuntimeError" in caplog.text
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text


def test_gos_defaults_no_window_no_jitter_refresh_at_expiry() -> None:
    clock = Clock()
    provider = FakeProvider(clock)
    cache = CredentialsCache(provider, clock=clock)
    assert (cache.expiry_window, cache.expiry_window_jitter_frac) == (timedelta(0), 0.0)
    first = cache.retrieve()
    clock.advance(HOUR - timedelta(microseconds=1))
    assert cache.retrieve() is first
    clock.advance(timedelta(microseconds=1))
    assert cache.retrieve() is not first
    assert provider.calls == 2


@fuzz_settings(300)
@given(
    window=st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=29)),
    frac=st.floats(min_value=0.0, max_value=1.0),
    rand=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_due_time_is_gos_formula(window: timedelta, frac: float, rand: float) -> None:
    # Go: refresh at expires - (window - rand * frac * window): the jitter narrows it.
    cache = CredentialsCache(
        FakeProvider(), expiry_window=window, expiry_window_jitter_frac=frac, rand=lambda: rand
    )
    creds = Credentials("AKID", SECRET, expires=T0 + HOUR)
    due = cache.due_at(creds, T0)
    assert due is not None
    go = T0 + HOUR - (window - window * (frac * rand))
    assert abs(due - go) <= timedelta(microseconds=1)
    assert T0 + HOUR - window <= due <= T0 + HOUR


def test_the_resolver_refreshes_5_to_5_5_minutes_before_expiry() -> None:
    from resolver.cache.persistent import CachedStep
    from resolver.providers.executor import (
        MIN_REFRESH_WINDOW,
        REFRESH_JITTER_FRAC,
        REFRESH_WINDOW,
        memory_cache,
    )

    assert timedelta(minutes=5) == MIN_REFRESH_WINDOW
    caches = [
        memory_cache(FakeProvider(), None),  # type: ignore[arg-type]
        CachedStep(FakeProvider(), lambda _: "id"),
    ]
    creds = Credentials("AKID", SECRET, expires=T0 + HOUR)
    for cache in caches:
        assert isinstance(cache, CredentialsCache)
        assert cache.expiry_window == REFRESH_WINDOW == timedelta(minutes=5, seconds=30)
        assert cache.expiry_window_jitter_frac == REFRESH_JITTER_FRAC
        for rand, before in (
            (0.0, timedelta(minutes=5, seconds=30)),
            (0.5, timedelta(minutes=5, seconds=15)),
        ):
            cache._rand = lambda rand=rand: rand  # type: ignore[misc]
            assert cache.due_at(creds, T0) == T0 + HOUR - before
