"""A user's program that touches every public name of ``resolver.stscreds`` and
``resolver.stscreds.aio``: tests/test_packaging.py runs ``mypy --strict`` on it against a
regular install (``py.typed`` shipped), so the annotations users see are the ones pinned.
It is type-checked only, never run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from mypy_boto3_sts import STSClient

from resolver import StsError
from resolver.stscreds import (
    DEFAULT_DURATION,
    PROVIDER_NAME,
    WEB_IDENTITY_PROVIDER_NAME,
    AssumeRoleClient,
    AssumeRoleProvider,
    AssumeRoleWithWebIdentityClient,
    Credentials,
    CredentialsCache,
    CredentialsProvider,
    GetSessionTokenClient,
    IdentityTokenFile,
    IdentityTokenRetriever,
    SessionTokenProvider,
    TokenProvider,
    WebIdentityRoleProvider,
    boto3_session,
    botocore_credentials,
    provider_func,
    stdin_token_provider,
)
from resolver.stscreds.aio import (
    AsyncAssumeRoleProvider,
    AsyncCredentialsCache,
    AsyncWebIdentityRoleProvider,
    aiobotocore_credentials,
    aiobotocore_session,
)


class StubSts:
    """A hand-written client: one method per protocol is all a provider needs."""

    def assume_role(self, **params: Any) -> Mapping[str, Any]:
        return {}

    def assume_role_with_web_identity(self, **params: Any) -> Mapping[str, Any]:
        return {}

    def get_session_token(self, **params: Any) -> Mapping[str, Any]:
        return {}


class AsyncStubSts:
    async def assume_role(self, **params: Any) -> Mapping[str, Any]:
        return {}

    async def assume_role_with_web_identity(self, **params: Any) -> Mapping[str, Any]:
        return {}


class StaticToken:
    def get_identity_token(self) -> str:
        return "a.b.c"


def now() -> datetime:
    return datetime.now(timezone.utc)


def sync_surface(typed: STSClient) -> list[object]:
    stub = StubSts()
    clients: tuple[AssumeRoleClient, AssumeRoleWithWebIdentityClient, GetSessionTokenClient]
    clients = (stub, stub, stub)
    code: TokenProvider = stdin_token_provider
    retriever: IdentityTokenRetriever = IdentityTokenFile("/var/run/secrets/token")
    assume = AssumeRoleProvider(
        typed,
        "arn:aws:iam::123456789012:role/r",
        role_session_name="s",
        duration=DEFAULT_DURATION,
        external_id="x",
        policy="{}",
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        serial_number="arn:aws:iam::123456789012:mfa/u",
        token_provider=code,
        source_identity="alice",
        tags={"team": "platform"},
        transitive_tag_keys=["team"],
        clock=now,
    )
    boto3_shaped = AssumeRoleProvider(
        stub,
        "arn:aws:iam::123456789012:role/r",
        duration=3600,
        tags=[{"Key": "team", "Value": "platform"}],
        policy_arns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    )
    web = WebIdentityRoleProvider(
        typed, "arn:aws:iam::123456789012:role/w", retriever, duration=timedelta(hours=1)
    )
    session_token = SessionTokenProvider(stub, serial_number="s", token_provider=lambda: "123456")
    cache = CredentialsCache(
        assume, expiry_window=timedelta(minutes=5), expiry_window_jitter_frac=0.1, clock=now
    )
    credentials: Credentials = cache.retrieve()
    expires: datetime | None = credentials.expires
    flags: tuple[bool, bool, bool] = (
        credentials.can_expire,
        credentials.has_keys(),
        credentials.expired(now()),
    )
    fields: tuple[str, str, str | None, str, str | None] = (
        credentials.access_key_id,
        credentials.secret_access_key,
        credentials.session_token,
        credentials.source,
        credentials.account_id,
    )
    window: timedelta = cache.expiry_window
    cache.invalidate()
    function: CredentialsProvider = provider_func(lambda: credentials, name="static")
    providers: list[CredentialsProvider] = [assume, boto3_shaped, web, session_token, cache]
    session: boto3.Session = boto3_session(cache, region_name="eu-west-1")
    refreshable = botocore_credentials(function)
    names: tuple[str, str] = (PROVIDER_NAME, WEB_IDENTITY_PROVIDER_NAME)
    try:
        web.retrieve()
    except StsError as error:
        names = (str(error.code), str(error.response))
    return [clients, expires, flags, fields, window, providers, session, refreshable, names]


async def async_surface() -> list[object]:
    stub = AsyncStubSts()
    assume = AsyncAssumeRoleProvider(
        stub, "arn:aws:iam::123456789012:role/r", tags={"team": "platform"}, clock=now
    )
    web = AsyncWebIdentityRoleProvider(stub, "arn:aws:iam::123456789012:role/w", StaticToken())
    cache = AsyncCredentialsCache(assume, expiry_window=timedelta(minutes=5), clock=now)
    credentials: Credentials = await cache.retrieve()
    from_web: Credentials = await web.retrieve()
    return [credentials, from_web, aiobotocore_credentials(cache), aiobotocore_session(cache)]
