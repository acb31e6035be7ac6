"""The port for asyncio: providers that await aiobotocore STS clients, a single-flight cache,
and credentials for an aiobotocore session.

The providers take exactly the options of their synchronous twins, which they hold and
which build every request (``AsyncAssumeRoleProvider(client, role_arn, duration=...)``).
Nothing blocks the loop: a synchronous MFA token provider, token retriever (a token file)
or wrapped provider runs in a thread (``asyncio.to_thread``); an async one is awaited.

``aiobotocore_session(cache)`` is an aiobotocore session whose clients sign with the
cache's credentials (``aiobotocore_credentials`` gives the credentials alone). aiobotocore
is the optional extra ``rolechain[aio]``, imported only inside those two functions.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from resolver.errors import ProviderError, StsError, remember
from resolver.stscreds.assume_role import DEFAULT_DURATION, AssumeRoleProvider
from resolver.stscreds.bridges import (
    METHOD,
    refresh_metadata,
    refresh_windows,
    set_windows,
)
from resolver.stscreds.cache import Clock, CredentialsCache, utc_now
from resolver.stscreds.client import credentials_from_response, translating_errors
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.options import PolicyArns, Tags
from resolver.stscreds.tokens import get_token_code
from resolver.stscreds.web_identity import (
    RETRYABLE_CODES,
    WebIdentityRoleProvider,
    attempts_made,
    client_max_attempts,
)

if TYPE_CHECKING:
    from aiobotocore.credentials import AioDeferredRefreshableCredentials
    from aiobotocore.session import AioSession

__all__ = [
    "AsyncAssumeRoleProvider",
    "AsyncCredentialsCache",
    "AsyncWebIdentityRoleProvider",
    "aiobotocore_credentials",
    "aiobotocore_session",
]


@runtime_checkable
class AsyncCredentialsProvider(Protocol):
    """Anything that can retrieve credentials when awaited."""

    @property
    def name(self) -> str: ...

    async def retrieve(self) -> Credentials: ...


class AsyncAssumeRoleClient(Protocol):
    """An aiobotocore STS client, as ``AsyncAssumeRoleProvider`` uses it."""

    async def assume_role(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]: ...


class AsyncAssumeRoleWithWebIdentityClient(Protocol):
    """An aiobotocore STS client, as ``AsyncWebIdentityRoleProvider`` uses it."""

    async def assume_role_with_web_identity(
        self, *args: Any, **kwargs: Any
    ) -> Mapping[str, Any]: ...


def is_async(function: object) -> bool:
    """True for a coroutine function, or an object whose ``__call__`` is one."""
    if inspect.iscoroutinefunction(function):
        return True
    return callable(function) and inspect.iscoroutinefunction(function.__call__)


async def call_off_loop(function: Callable[[], Any]) -> Any:
    """``function()``: awaited if it is async, else run in a thread."""
    if is_async(function):
        return await function()
    return await asyncio.to_thread(function)


def _raising(exc: Exception) -> Callable[[], str]:
    def provider() -> str:
        raise exc

    return provider


async def token_code(provider: Callable[[], Any], serial: str, hop: str | None) -> str:
    """The checked MFA code from ``provider`` (see ``tokens.get_token_code``), off the loop."""
    if not is_async(provider):
        return await asyncio.to_thread(get_token_code, provider, serial, hop)
    try:
        code = await provider()
    except Exception as exc:
        return get_token_code(_raising(exc), serial, hop)
    return get_token_code(lambda: code, serial, hop)


class AsyncAssumeRoleProvider:
    """``AssumeRoleProvider`` for an aiobotocore STS client; its keyword options are
    exactly the synchronous one's (which, as ``.sync``, builds every request); the
    ``token_provider`` may be async."""

    def __init__(
        self,
        client: AsyncAssumeRoleClient,
        role_arn: str,
        *,
        role_session_name: str | None = None,
        duration: timedelta | int | None = DEFAULT_DURATION,
        external_id: str | None = None,
        policy: str | None = None,
        policy_arns: PolicyArns = (),
        serial_number: str | None = None,
        token_provider: Callable[[], str | Awaitable[str]] | None = None,
        source_identity: str | None = None,
        tags: Tags = (),
        transitive_tag_keys: Iterable[str] = (),
        label: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.sync = AssumeRoleProvider(
            cast(Any, client),
            role_arn,
            role_session_name=role_session_name,
            duration=duration,
            external_id=external_id,
            policy=policy,
            policy_arns=policy_arns,
            serial_number=serial_number,
            token_provider=cast(Any, token_provider),
            source_identity=source_identity,
            tags=tags,
            transitive_tag_keys=transitive_tag_keys,
            label=label,
            clock=clock,
        )

    @property
    def name(self) -> str:
        """The synchronous provider's name (``PROVIDER_NAME``)."""
        return self.sync.name

    def __repr__(self) -> str:
        return f"Async{self.sync!r}"

    async def retrieve(self) -> Credentials:
        """Await AssumeRole (asking for an MFA code first when configured)."""
        sync = self.sync
        hop = sync.hop
        params = sync.request()
        if sync.serial_number and sync.token_provider is not None:
            params["TokenCode"] = await token_code(sync.token_provider, sync.serial_number, hop)
        with translating_errors("AssumeRole", hop=hop, client=self.client):
            response = await self.client.assume_role(**params)
        return credentials_from_response(
            response, operation="AssumeRole", source=sync.name, hop=hop
        )


class AsyncWebIdentityRoleProvider:
    """``WebIdentityRoleProvider`` for an aiobotocore STS client; its keyword options are
    exactly the synchronous one's (which, as ``.sync``, builds every request). The
    retriever's ``get_identity_token`` may be async; a synchronous one (a token file) is
    read in a thread. InvalidIdentityToken is retried with a fresh token, the HTTP attempts
    of the whole retrieve staying within ``max_attempts`` or the client's own
    (``client_max_attempts``), as in the synchronous provider."""

    def __init__(
        self,
        client: AsyncAssumeRoleWithWebIdentityClient,
        role_arn: str,
        token_retriever: Any,
        *,
        role_session_name: str | None = None,
        duration: timedelta | int | None = None,
        policy: str | None = None,
        policy_arns: PolicyArns = (),
        label: str | None = None,
        max_attempts: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.token_retriever = token_retriever
        self.sync = WebIdentityRoleProvider(
            cast(Any, client),
            role_arn,
            cast(Any, token_retriever),
            role_session_name=role_session_name,
            duration=duration,
            policy=policy,
            policy_arns=policy_arns,
            label=label,
            max_attempts=max_attempts,
            clock=clock,
        )

    @property
    def name(self) -> str:
        """The synchronous provider's name (``WEB_IDENTITY_PROVIDER_NAME``)."""
        return self.sync.name

    def __repr__(self) -> str:
        return f"Async{self.sync!r}"

    async def _token(self, hop: str | None) -> str:
        try:
            token = str(await call_off_loop(self.token_retriever.get_identity_token))
        except ProviderError as exc:
            if exc.hop is None:
                exc.hop = hop
            raise
        remember(token)
        return token

    async def retrieve(self) -> Credentials:
        """Await AssumeRoleWithWebIdentity with the current token."""
        sync = self.sync
        params = sync.request()
        budget = sync.max_attempts or client_max_attempts(self.client)
        made = 0
        while True:
            token = await self._token(sync.hop)
            try:
                with translating_errors(
                    "AssumeRoleWithWebIdentity", hop=sync.hop, client=self.client
                ):
                    response = await self.client.assume_role_with_web_identity(
                        WebIdentityToken=token, **params
                    )
            except StsError as exc:
                made += attempts_made(exc)
                if exc.code not in RETRYABLE_CODES or made >= budget:
                    raise
                await asyncio.sleep(random.uniform(0, 0.2 * 2**made))
                continue
            return credentials_from_response(
                response, operation="AssumeRoleWithWebIdentity", source=sync.name, hop=sync.hop
            )


def _consume(flight: asyncio.Future[Credentials]) -> None:
    """Mark a flight's error as seen even if every awaiter was cancelled."""
    if not flight.cancelled():
        flight.exception()


class AsyncCredentialsCache:
    """Go's ``CredentialsCache`` for asyncio: ``provider``'s credentials until they are due
    at ``expires - (expiry_window - jitter)``, the jitter drawn once per credential set
    from ``[0, expiry_window_jitter_frac * expiry_window]`` (it narrows the window).

    Concurrent ``retrieve`` calls share one ``provider.retrieve()`` (a task; a waiter that
    is cancelled does not cancel it) and its outcome, credentials or error. Credentials
    that never expire are kept until ``invalidate()``. ``provider`` may be synchronous (it
    then runs in a thread). ``clock`` returns the current aware datetime.
    """

    def __init__(
        self,
        provider: AsyncCredentialsProvider | Any,
        *,
        expiry_window: timedelta = timedelta(0),
        expiry_window_jitter_frac: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        if expiry_window < timedelta(0):
            raise ValueError("expiry_window must not be negative")
        if not 0.0 <= expiry_window_jitter_frac <= 1.0:
            raise ValueError("expiry_window_jitter_frac must be between 0 and 1")
        self._provider = provider
        self.expiry_window = expiry_window
        self.expiry_window_jitter_frac = expiry_window_jitter_frac
        self.clock: Clock = clock or utc_now
        self._cached: tuple[Credentials, datetime | None] | None = None
        self._flight: asyncio.Task[Credentials] | None = None
        self._generation = 0

    @property
    def name(self) -> str:
        """The wrapped provider's name."""
        return str(self._provider.name)

    @property
    def provider(self) -> Any:
        """The wrapped provider."""
        return self._provider

    def __repr__(self) -> str:
        return f"AsyncCredentialsCache({self._provider!r})"

    def due_at(self, credentials: Credentials) -> datetime | None:
        """When ``credentials`` are due for refresh (None: never)."""
        if credentials.expires is None:
            return None
        jitter = random.random() * self.expiry_window_jitter_frac * self.expiry_window
        return credentials.expires - (self.expiry_window - jitter)

    async def retrieve(self) -> Credentials:
        """The cached credentials, or the outcome of the one refresh under way (or started)."""
        cached = self._cached
        if cached is not None and (cached[1] is None or self.clock() < cached[1]):
            return cached[0]
        flight = self._flight
        if flight is None or flight.done() or flight.get_loop() is not asyncio.get_running_loop():
            flight = asyncio.ensure_future(self._fetch(self._generation))
            flight.add_done_callback(_consume)
            self._flight = flight
        return await asyncio.shield(flight)

    def invalidate(self) -> None:
        """Forget the cached credentials; a refresh under way still answers its awaiters,
        but its result is not cached."""
        self._cached = None
        self._flight = None
        self._generation += 1

    async def _fetch(self, generation: int) -> Credentials:
        credentials: Credentials = await call_off_loop(self._provider.retrieve)
        if generation == self._generation:
            self._cached = (credentials, self.due_at(credentials))
        return credentials


def aiobotocore_credentials(
    provider_or_cache: AsyncCredentialsCache | CredentialsCache | Any,
) -> AioDeferredRefreshableCredentials:
    """aiobotocore credentials that refresh through ``provider_or_cache``: an
    ``AsyncCredentialsCache``, a (synchronous) ``CredentialsCache`` (asked in a thread), or
    a provider, wrapped in an ``AsyncCredentialsCache`` (Go's defaults: no window).
    botocore's windows come from the cache's, as in ``bridges.botocore_credentials``;
    ``aiobotocore_session`` gives a session that uses them."""
    from aiobotocore.credentials import AioDeferredRefreshableCredentials

    cache = provider_or_cache
    if not isinstance(cache, (AsyncCredentialsCache, CredentialsCache)):
        cache = AsyncCredentialsCache(cache)
    clock = cache.clock
    advisory, _ = refresh_windows(cache)

    async def refresh() -> dict[str, str | None]:
        credentials = await call_off_loop(cache.retrieve)
        return refresh_metadata(credentials, clock(), advisory)

    credentials = AioDeferredRefreshableCredentials(refresh, METHOD, time_fetcher=clock)
    return cast("AioDeferredRefreshableCredentials", set_windows(credentials, cache))


def aiobotocore_session(
    provider_or_cache: AsyncCredentialsCache | CredentialsCache | Any,
) -> AioSession:
    """An aiobotocore session whose only credential source is ``aiobotocore_credentials(
    provider_or_cache)``: every client it creates signs with them and refreshes through
    the cache (``boto3_session``'s twin)."""
    from aiobotocore.credentials import AioCredentialResolver
    from aiobotocore.session import get_session

    credentials = aiobotocore_credentials(provider_or_cache)

    class _Given:
        METHOD = METHOD
        CANONICAL_NAME = METHOD

        async def load(self) -> AioDeferredRefreshableCredentials:
            return credentials

    session = get_session()
    resolver = AioCredentialResolver([cast(Any, _Given())])
    session.register_component("credential_provider", resolver)
    return session
