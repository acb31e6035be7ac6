"""The boto3 bridge: credentials that refresh through the cache, on the cache's schedule."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from resolver.stscreds.assume_role import AssumeRoleProvider
from resolver.stscreds.bridges import (
    NON_EXPIRING_RECHECK,
    boto3_session,
    botocore_credentials,
    refresh_windows,
)
from resolver.stscreds.cache import CredentialsCache
from tests.hostile import fuzz_settings
from tests.moto_support import REGION, TEST_ACCESS_KEY_ID, MotoServer
from tests.stscreds.bridge_support import (
    LIFETIME,
    CountingProvider,
    FakeClock,
    cache_with,
)

WINDOW = timedelta(minutes=5)
REQUESTS = 8


def test_a_boto3_session_signs_with_the_assumed_credentials(moto: MotoServer) -> None:
    role = moto.create_role("bridged")
    provider = AssumeRoleProvider(moto.client("sts"), role, role_session_name="bridge")
    cache = CredentialsCache(provider, expiry_window=WINDOW)
    sts = boto3_session(cache, region_name=REGION).client("sts", endpoint_url=moto.url)
    identities = [sts.get_caller_identity() for _ in range(3)]
    assumed = cache.retrieve()
    calls = moto.sts_calls()
    assert [call.action for call in calls] == ["AssumeRole"] + ["GetCallerIdentity"] * 3
    assert calls[0].access_key_id == TEST_ACCESS_KEY_ID
    assert {call.access_key_id for call in calls[1:]} == {assumed.access_key_id}
    assert {call.session_token for call in calls[1:]} == {assumed.session_token}
    assert identities[0]["Arn"].endswith(":assumed-role/bridged/bridge")


def test_requests_fetch_once_until_the_window_then_refresh_once(moto: MotoServer) -> None:
    """Every request before the cache's window reuses the first credentials (botocore's own
    15-minute window would ask the cache on each one); the first request inside it
    refreshes once, and the next requests use the new credentials."""
    clock = FakeClock()
    provider = CountingProvider(clock)
    cache = cache_with(provider, clock, WINDOW)
    session = boto3_session(cache, region_name=REGION)
    sts = session.client("sts", endpoint_url=moto.url)
    step = (LIFETIME - WINDOW) / REQUESTS
    for _ in range(REQUESTS):  # from fetch time up to just before the window
        sts.get_caller_identity()
        clock.advance(step)
    assert (provider.calls, cache.asked) == (1, 1)
    clock.advance(timedelta(seconds=1))  # now inside the window
    for _ in range(REQUESTS):
        sts.get_caller_identity()
    assert (provider.calls, cache.asked) == (2, 2)
    keys = [call.access_key_id for call in moto.sts_calls()]
    assert keys == [provider.key(1)] * REQUESTS + [provider.key(2)] * REQUESTS


def test_botocores_own_windows_would_ask_on_every_request() -> None:
    """The defect the derived windows fix: with botocore's defaults (15 and 10 minutes)
    credentials of the default 15-minute duration are refreshed on every request."""
    from botocore.credentials import DeferredRefreshableCredentials

    clock = FakeClock()
    cache = cache_with(CountingProvider(clock), clock, WINDOW)
    ours = botocore_credentials(cache)
    theirs = DeferredRefreshableCredentials(
        vars(ours)["_refresh_using"], "hand-made", time_fetcher=clock
    )
    for _ in range(REQUESTS):
        clock.advance(timedelta(seconds=1))
        theirs.get_frozen_credentials()
        ours.get_frozen_credentials()
    assert cache.asked == REQUESTS + 1  # each of theirs, and ours once


def test_the_windows_come_from_the_cache() -> None:
    clock = FakeClock()
    provider = CountingProvider(clock)
    cases = [
        (timedelta(0), 0.0, 0, 0),
        (WINDOW, 0.0, 300, 150),
        (WINDOW, 0.2, 240, 120),  # the jitter narrows the window: botocore waits for the most
    ]
    for window, frac, advisory, mandatory in cases:
        cache = cache_with(provider, clock, window, frac)
        assert refresh_windows(cache) == (timedelta(seconds=advisory), timedelta(seconds=mandatory))
        credentials = vars(botocore_credentials(cache))
        found = credentials["_advisory_refresh_timeout"], credentials["_mandatory_refresh_timeout"]
        assert found == (advisory, mandatory), (window, frac)


def test_without_a_window_credentials_are_used_until_they_expire() -> None:
    clock = FakeClock()
    provider = CountingProvider(clock)
    credentials = botocore_credentials(cache_with(provider, clock, timedelta(0)))
    for _ in range(REQUESTS):
        assert credentials.get_frozen_credentials().access_key == provider.key(1)
        clock.advance(LIFETIME / REQUESTS)  # the last step lands on the expiry time
    clock.advance(timedelta(microseconds=1))
    assert credentials.get_frozen_credentials().access_key == provider.key(2)
    assert provider.calls == 2


def test_a_bare_provider_is_cached() -> None:
    clock = FakeClock()
    provider = CountingProvider(clock, lifetime=timedelta(hours=1))
    credentials = botocore_credentials(provider)
    for _ in range(REQUESTS):
        assert credentials.get_frozen_credentials().access_key == provider.key(1)
    assert provider.calls == 1


def test_credentials_that_never_expire_are_asked_for_again_after_an_hour() -> None:
    """The cache keeps them until ``invalidate()``; botocore asks it again once an hour (a
    credential without expiry would otherwise never be asked for again)."""
    clock = FakeClock()
    provider = CountingProvider(clock, lifetime=None)
    cache = cache_with(provider, clock, WINDOW)
    credentials = botocore_credentials(cache)
    assert credentials.get_frozen_credentials().access_key == provider.key(1)
    cache.invalidate()
    clock.advance(NON_EXPIRING_RECHECK - timedelta(seconds=1))
    assert credentials.get_frozen_credentials().access_key == provider.key(1)
    assert cache.asked == 1
    clock.advance(timedelta(seconds=2))
    assert credentials.get_frozen_credentials().access_key == provider.key(2)
    assert (cache.asked, provider.calls) == (2, 2)


@fuzz_settings(60)
@given(
    window=st.integers(0, 3600).map(lambda s: timedelta(seconds=s)),
    frac=st.floats(0.0, 1.0),
    extra=st.integers(60, 12 * 3600).map(lambda s: timedelta(seconds=s)),
    steps=st.integers(20, 200),
)
def test_botocore_asks_only_when_the_cache_has_new_credentials(
    window: timedelta, frac: float, extra: timedelta, steps: int
) -> None:
    """For any window, jitter and lifetime (at least twice the window), botocore asks the
    cache only when the cache is due (each ask fetches), refreshes at least once over two
    lifetimes, and never signs with credentials past their expiry."""
    clock = FakeClock()
    lifetime = 2 * window + extra
    provider = CountingProvider(clock, lifetime)
    cache = cache_with(provider, clock, window, frac)
    credentials = botocore_credentials(cache)
    expiries = {}
    for _ in range(steps):
        frozen = credentials.get_frozen_credentials()
        expiries.setdefault(frozen.access_key, clock() + lifetime)
        assert clock() <= expiries[frozen.access_key]
        clock.advance(2 * lifetime / steps)
    assert cache.asked == provider.calls >= 2


def test_importing_stscreds_imports_no_botocore() -> None:
    code = (
        "import sys, resolver.stscreds as s\n"
        "assert s.boto3_session and s.botocore_credentials\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'boto3', 'botocore'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
