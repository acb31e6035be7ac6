"""Hand a provider or a ``CredentialsCache`` to boto3: ``botocore_credentials``, ``boto3_session``.

botocore refreshes ``RefreshableCredentials`` on its own schedule: from its *advisory*
window before expiry (a failed refresh keeps the current credentials) and its *mandatory*
one (a failed refresh raises). Its defaults, 15 and 10 minutes, cover the whole life of
credentials of the default 15-minute duration, so a bridge that keeps them refreshes on
every request. Here both windows come from the cache's own (``refresh_windows``): botocore
asks the cache only once the cache is due to refresh, and uses the same clock.

boto3 and botocore are imported inside the functions only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from resolver.stscreds.cache import Clock, CredentialsCache
from resolver.stscreds.credentials import Credentials, CredentialsProvider

if TYPE_CHECKING:
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

NON_EXPIRING_RECHECK = timedelta(hours=1)
"""How long botocore keeps credentials that never expire before asking the cache again
(it would otherwise never notice ``CredentialsCache.invalidate()``)."""

METHOD = "rolechain"
"""The ``method`` botocore shows for these credentials."""


def as_cache(provider_or_cache: CredentialsProvider) -> CredentialsCache:
    """``provider_or_cache`` if it is a ``CredentialsCache``, else a new cache around it."""
    if isinstance(provider_or_cache, CredentialsCache):
        return provider_or_cache
    return CredentialsCache(provider_or_cache)


class RefreshPolicy(Protocol):
    """What the bridges read of a cache (``CredentialsCache`` or the asyncio one)."""

    expiry_window: timedelta
    expiry_window_jitter_frac: float

    @property
    def clock(self) -> Clock: ...


def refresh_windows(cache: RefreshPolicy) -> tuple[timedelta, timedelta]:
    """botocore's (advisory, mandatory) windows for ``cache``.

    Advisory: the narrowest window the cache can draw, ``expiry_window`` less the most
    its jitter takes off (``expiry_window_jitter_frac``); by then the cache has refreshed,
    or refreshes when asked. Mandatory: half of that. A cache without a window (Go's
    default) gives none: its credentials are used until they expire, as in Go.
    """
    window = cache.expiry_window
    advisory = window - window * cache.expiry_window_jitter_frac
    return advisory, advisory / 2


def refresh_metadata(
    credentials: Credentials, now: datetime, advisory: timedelta
) -> dict[str, str | None]:
    """What botocore's ``refresh_using`` returns for ``credentials`` fetched at ``now``.

    Credentials that never expire are given an expiry ``NON_EXPIRING_RECHECK`` past the
    advisory window, so botocore asks the cache again after that long.
    """
    expires = credentials.expires or now + advisory + NON_EXPIRING_RECHECK
    return {
        "access_key": credentials.access_key_id,
        "secret_key": credentials.secret_access_key,
        "token": credentials.session_token,
        "expiry_time": expires.isoformat(),
        "account_id": credentials.account_id,
    }


def set_windows(
    credentials: RefreshableCredentials, cache: RefreshPolicy
) -> RefreshableCredentials:
    """``credentials`` with botocore's windows set from ``cache`` (see ``refresh_windows``)."""
    advisory, mandatory = refresh_windows(cache)
    # botocore reads its windows from these attributes (no constructor argument in older
    # releases, nor in the deferred variant); whole seconds, rounded down: later, not earlier.
    vars(credentials).update(
        _advisory_refresh_timeout=int(advisory.total_seconds()),
        _mandatory_refresh_timeout=int(mandatory.total_seconds()),
    )
    return credentials


def botocore_credentials(provider_or_cache: CredentialsProvider) -> RefreshableCredentials:
    """botocore credentials that refresh through ``provider_or_cache``.

    A provider that is not a ``CredentialsCache`` is wrapped in one (Go's defaults: no
    window). Nothing is fetched until botocore first needs the credentials; after that
    botocore asks the cache again only inside the windows ``refresh_windows`` derives from
    the cache's, with the cache's clock.
    """
    from botocore.credentials import DeferredRefreshableCredentials

    cache = as_cache(provider_or_cache)
    clock = cache.clock  # the same ``now`` decides when both refresh
    advisory, _ = refresh_windows(cache)

    def refresh() -> dict[str, str | None]:
        return refresh_metadata(cache.retrieve(), clock(), advisory)

    credentials = DeferredRefreshableCredentials(refresh, METHOD, time_fetcher=clock)
    return set_windows(credentials, cache)


def use_credentials(
    core: botocore.session.Session, credentials: RefreshableCredentials
) -> botocore.session.Session:
    """``core`` with ``credentials`` as its only credential source."""
    from botocore.credentials import CredentialProvider, CredentialResolver

    class _Given(CredentialProvider):
        METHOD = METHOD
        CANONICAL_NAME = METHOD

        def load(self) -> RefreshableCredentials:
            return credentials

    core.register_component("credential_provider", CredentialResolver([_Given()]))
    return core


def boto3_session(
    provider_or_cache: CredentialsProvider, region_name: str | None = None
) -> boto3.Session:
    """A ``boto3.Session`` whose credentials refresh through ``provider_or_cache`` (see
    ``botocore_credentials``); other settings (region, retries...) as boto3 reads them."""
    import boto3
    import botocore.session

    core = use_credentials(botocore.session.Session(), botocore_credentials(provider_or_cache))
    return boto3.Session(botocore_session=core, region_name=region_name)
