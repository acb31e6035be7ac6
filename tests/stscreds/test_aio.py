"""The asyncio port against moto with real aiobotocore clients (``asyncio.run`` in each test)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from resolver.errors import StsError
from resolver.stscreds.aio import (
    AsyncAssumeRoleProvider,
    AsyncCredentialsCache,
    AsyncWebIdentityRoleProvider,
    aiobotocore_credentials,
    aiobotocore_session,
)
from resolver.stscreds.credentials import Credentials
from tests.moto_support import (
    REGION,
    TEST_ACCESS_KEY_ID,
    TEST_SECRET_ACCESS_KEY,
    MotoServer,
)
from tests.stscreds.bridge_support import LIFETIME, T0, CountingProvider, FakeClock

ROLE = "arn:aws:iam::123456789012:role/async"
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
MFA = "arn:aws:iam::123456789012:mfa/alice"
TICKS = 5
GUARD = 60.0  # seconds: only so that a blocked loop fails instead of hanging


@asynccontextmanager
async def sts_client(moto: MotoServer, **keys: Any) -> AsyncIterator[Any]:
    from aiobotocore.session import get_session

    keys = keys or {
        "aws_access_key_id": TEST_ACCESS_KEY_ID,
        "aws_secret_access_key": TEST_SECRET_ACCESS_KEY,
    }
    async with get_session().create_client(
        "sts", region_name=REGION, endpoint_url=moto.url, **keys
    ) as client:
        yield client


def test_assume_role_sends_exactly_the_options(moto: MotoServer) -> None:
    async def main() -> Credentials:
        async with sts_client(moto) as client:
            provider = AsyncAssumeRoleProvider(
                client,
                ROLE,
                role_session_name="async-session",
                duration=timedelta(hours=1),
                external_id="ext-1",
                policy=POLICY,
                policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                serial_number=MFA,
                token_provider=lambda: "123456",
                source_identity="alice",
                tags={"team": "platform", "env": "prod"},
                transitive_tag_keys=["team"],
            )
            return await provider.retrieve()

    credentials = asyncio.run(main())
    (call,) = moto.sts_calls()
    assert call.action == "AssumeRole" and call.access_key_id == TEST_ACCESS_KEY_ID
    assert {k: v for k, v in call.params.items() if k not in {"Action", "Version"}} == {
        "RoleArn": ROLE,
        "RoleSessionName": "async-session",
        "DurationSeconds": "3600",
        "ExternalId": "ext-1",
        "Policy": POLICY,
        "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "SerialNumber": MFA,
        "TokenCode": "123456",
        "SourceIdentity": "alice",
        "Tags.member.1.Key": "team",
        "Tags.member.1.Value": "platform",
        "Tags.member.2.Key": "env",
        "Tags.member.2.Value": "prod",
        "TransitiveTagKeys.member.1": "team",
    }
    assert credentials.source == "AssumeRoleProvider" and credentials.account_id == "123456789012"


def test_fifty_concurrent_awaits_make_one_sts_call(moto: MotoServer) -> None:
    async def main() -> list[Credentials]:
        async with sts_client(moto) as client:
            cache = AsyncCredentialsCache(
                AsyncAssumeRoleProvider(client, ROLE), expiry_window=timedelta(minutes=5)
            )
            return await asyncio.gather(*(cache.retrieve() for _ in range(50)))

    found = asyncio.run(main())
    assert [call.action for call in moto.sts_calls()] == ["AssumeRole"]
    assert len({credentials.access_key_id for credentials in found}) == 1


def test_concurrent_awaiters_share_one_failure() -> None:
    calls = []

    class Failing:
        name = "Failing"

        async def retrieve(self) -> Credentials:
            calls.append(1)
            await asyncio.sleep(0)
            raise StsError("AssumeRole failed: no", code="AccessDenied")

    async def main() -> list[Any]:
        cache = AsyncCredentialsCache(Failing())
        return await asyncio.gather(*(cache.retrieve() for _ in range(10)), return_exceptions=True)

    outcomes = asyncio.run(main())
    assert len(calls) == 1
    assert all(isinstance(outcome, StsError) for outcome in outcomes)


class Ticker:
    """Counts its ticks on the loop; ``enough`` is set after ``TICKS`` of them."""

    def __init__(self) -> None:
        self.ticks = 0
        self.enough = threading.Event()

    async def tick(self) -> None:
        while True:
            self.ticks += 1
            if self.ticks >= TICKS:
                self.enough.set()
            await asyncio.sleep(0)

    def wait(self) -> bool:
        """Block this (non-loop) thread until the loop has ticked; False if it never did."""
        return self.enough.wait(GUARD)

    async def around(self, work: Callable[[], Awaitable[Credentials]]) -> Credentials:
        """``work()`` with the ticker running beside it."""
        ticking = asyncio.ensure_future(self.tick())
        try:
            return await work()
        finally:
            ticking.cancel()


def test_a_slow_sync_token_provider_does_not_block_the_loop(moto: MotoServer) -> None:
    """The token provider returns only once the loop ticked: were it run on the loop, the
    ticker could not tick and ``wait()`` would fail."""
    ticker, seen = Ticker(), []

    def slow_code() -> str:
        seen.append(ticker.wait())
        return "654321"

    async def main() -> Credentials:
        async with sts_client(moto) as client:
            provider = AsyncAssumeRoleProvider(
                client, ROLE, serial_number=MFA, token_provider=slow_code
            )
            return await ticker.around(provider.retrieve)

    asyncio.run(main())
    assert seen == [True]
    (call,) = moto.sts_calls()
    assert call.params["TokenCode"] == "654321"


def test_an_async_token_provider_is_awaited(moto: MotoServer) -> None:
    async def code() -> str:
        await asyncio.sleep(0)
        return "111222"

    async def main() -> Credentials:
        async with sts_client(moto) as client:
            provider = AsyncAssumeRoleProvider(client, ROLE, serial_number=MFA, token_provider=code)
            return await provider.retrieve()

    asyncio.run(main())
    (call,) = moto.sts_calls()
    assert (call.params["SerialNumber"], call.params["TokenCode"]) == (MFA, "111222")


class SlowTokenFile:
    """A synchronous retriever, like a token file, that answers once the loop ticked."""

    def __init__(self, ticker: Ticker) -> None:
        self.ticker = ticker
        self.seen: list[bool] = []

    def get_identity_token(self) -> str:
        self.seen.append(self.ticker.wait())
        return "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhc3luYyJ9.sig"


def test_web_identity_reads_a_sync_token_off_the_loop(moto: MotoServer) -> None:
    ticker = Ticker()
    retriever = SlowTokenFile(ticker)

    async def main() -> Credentials:
        async with sts_client(moto) as client:
            provider = AsyncWebIdentityRoleProvider(
                client, ROLE, retriever, role_session_name="web-async"
            )
            return await ticker.around(provider.retrieve)

    credentials = asyncio.run(main())
    assert retriever.seen == [True]
    (call,) = moto.sts_calls()
    assert call.action == "AssumeRoleWithWebIdentity"
    assert call.params["RoleSessionName"] == "web-async" and "DurationSeconds" not in call.params
    assert credentials.source == "WebIdentityCredentials"


def test_an_aiobotocore_session_signs_with_the_assumed_key(moto: MotoServer) -> None:
    async def main() -> tuple[Credentials, list[dict[str, Any]]]:
        async with sts_client(moto) as client:
            cache = AsyncCredentialsCache(
                AsyncAssumeRoleProvider(client, ROLE, role_session_name="aio-bridge"),
                expiry_window=timedelta(minutes=5),
            )
            session = aiobotocore_session(cache)
            async with session.create_client(
                "sts", region_name=REGION, endpoint_url=moto.url
            ) as bridged:
                identities = [await bridged.get_caller_identity() for _ in range(3)]
            return await cache.retrieve(), identities

    assumed, identities = asyncio.run(main())
    calls = moto.sts_calls()
    assert [call.action for call in calls] == ["AssumeRole"] + ["GetCallerIdentity"] * 3
    assert {call.access_key_id for call in calls[1:]} == {assumed.access_key_id}
    assert {call.session_token for call in calls[1:]} == {assumed.session_token}
    assert identities[0]["Arn"].endswith(":assumed-role/async/aio-bridge")


def test_the_async_cache_refreshes_when_due_and_aiobotocore_follows() -> None:
    """Go's semantics (due at ``expires - expiry_window``), and aiobotocore asks the cache
    only once it is due: many requests, one fetch, then one refresh."""
    clock = FakeClock()
    provider = CountingProvider(clock)
    window = timedelta(minutes=5)

    class Counting(AsyncCredentialsCache):
        asked = 0

        async def retrieve(self) -> Credentials:
            self.asked += 1
            return await super().retrieve()

    cache = Counting(provider, expiry_window=window, clock=clock)
    credentials = aiobotocore_credentials(cache)

    async def keys(steps: int, step: timedelta) -> list[str]:
        found = []
        for _ in range(steps):
            found.append((await credentials.get_frozen_credentials()).access_key)
            clock.advance(step)
        return found

    async def main() -> tuple[list[str], tuple[int, int], list[str]]:
        before = await keys(10, (LIFETIME - window) / 10)  # up to the window's start
        calls = provider.calls, cache.asked
        clock.advance(timedelta(seconds=1))
        return before, calls, await keys(10, timedelta(0))

    before, calls, after = asyncio.run(main())
    assert (before, calls) == ([provider.key(1)] * 10, (1, 1))
    assert (after, provider.calls, cache.asked) == ([provider.key(2)] * 10, 2, 2)
    assert clock() == T0 + LIFETIME - window + timedelta(seconds=1)


def test_the_async_cache_checks_its_options() -> None:
    provider = CountingProvider(FakeClock())
    with pytest.raises(ValueError):
        AsyncCredentialsCache(provider, expiry_window=timedelta(seconds=-1))
    with pytest.raises(ValueError):
        AsyncCredentialsCache(provider, expiry_window_jitter_frac=1.5)


def test_importing_stscreds_imports_no_aiobotocore() -> None:
    code = (
        "import sys, resolver, resolver.stscreds, resolver.stscreds.aio\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'aiobotocore', 'botocore'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class FlakyWebIdentityClient:
    """An async STS stand-in: the first calls fail with ``codes``, then one succeeds."""

    def __init__(self, *codes: str) -> None:
        self.codes = list(codes)
        self.tokens: list[str] = []

    async def assume_role_with_web_identity(self, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        self.tokens.append(params["WebIdentityToken"])
        if self.codes:
            error = {"Error": {"Code": self.codes.pop(0), "Message": "no"}}
            raise ClientError(error, "AssumeRoleWithWebIdentity")  # type: ignore[arg-type]
        expires = (T0 + LIFETIME).isoformat()
        keys = {"AccessKeyId": "ASIAFLAKY", "SecretAccessKey": "s", "SessionToken": "t"}
        return {"Credentials": {**keys, "Expiration": expires}}


class CountingTokens:
    def __init__(self) -> None:
        self.reads = 0

    async def get_identity_token(self) -> str:
        self.reads += 1
        return f"token-{self.reads}"


def test_web_identity_retries_only_an_invalid_token_with_a_fresh_one() -> None:
    retried = FlakyWebIdentityClient("InvalidIdentityToken")
    credentials = asyncio.run(
        AsyncWebIdentityRoleProvider(retried, ROLE, CountingTokens()).retrieve()
    )
    assert credentials.access_key_id == "ASIAFLAKY"
    assert retried.tokens == ["token-1", "token-2"]
    other = FlakyWebIdentityClient("IDPCommunicationError")
    with pytest.raises(StsError) as caught:
        asyncio.run(AsyncWebIdentityRoleProvider(other, ROLE, CountingTokens()).retrieve())
    assert caught.value.code == "IDPCommunicationError" and other.tokens == ["token-1"]


def test_a_sync_cache_is_asked_in_a_thread_with_its_own_windows() -> None:
    from resolver.stscreds.bridges import refresh_windows
    from tests.stscreds.bridge_support import CountingCache, cache_with

    threads = []

    class NotingThread(CountingProvider):
        def retrieve(self) -> Credentials:
            threads.append(threading.get_ident())
            return super().retrieve()

    clock = FakeClock()
    provider = NotingThread(clock)
    cache: CountingCache = cache_with(provider, clock, timedelta(minutes=5))
    credentials = aiobotocore_credentials(cache)
    loop_thread = []

    async def main() -> list[str]:
        loop_thread.append(threading.get_ident())
        return [(await credentials.get_frozen_credentials()).access_key for _ in range(5)]

    assert asyncio.run(main()) == [provider.key(1)] * 5
    assert (provider.calls, cache.asked) == (1, 1)
    assert len(threads) == 1 and threads != loop_thread
    advisory, mandatory = refresh_windows(cache)
    found = vars(credentials)
    assert found["_advisory_refresh_timeout"] == advisory.total_seconds() == 300
    assert found["_mandatory_refresh_timeout"] == mandatory.total_seconds() == 150
