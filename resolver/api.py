"""``plan()``, ``resolve()`` and ``session()``: the library calls, with an in-process chain cache.

A resolved chain's providers are kept per (profile, config, token provider, the
``CHAIN_ENVIRONMENT`` variables) and reused until a configuration file changes (checked
by path, size and mtime, at most once a second), so a warm call costs a few dictionary
lookups and the cache's freshness check: a few microseconds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.cache.depends import working_directory
from resolver.cache.stamps import Dependency, Stamp, files_stamp
from resolver.chain.paths import depends_on_working_directory
from resolver.chain.types import Chain, WebIdentitySource
from resolver.stscreds.credentials import Credentials, CredentialsProvider

if TYPE_CHECKING:
    import boto3

    from resolver.chain.overrides import Overrides
    from resolver.stscreds.tokens import TokenProvider

RECHECK_SECONDS = 1.0
# Environment variables that change which files are read or where STS calls go.
CHAIN_ENVIRONMENT = (
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "ROLECHAIN_CONFIG",
    "HOME",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "ROLECHAIN_NO_CACHE",
    "ROLECHAIN_CACHE_DIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
)
PATH_ENVIRONMENT = (
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "ROLECHAIN_CONFIG",
    "HOME",
    "ROLECHAIN_CACHE_DIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
)
"""The ``CHAIN_ENVIRONMENT`` variables that hold paths (relative ones key the cwd)."""


# ``os.environ.get`` of an unset name costs microseconds (it raises and catches KeyError
# inside), a dozen of them the whole warm call; so ``os.environ``'s values are read from
# its encoded store, which it keeps in step with every change made through it.
_OS_STORE: Mapping[object, object] | None = getattr(os.environ, "_data", None)
_OS_KEYS = tuple(map(getattr(os.environ, "encodekey", str), CHAIN_ENVIRONMENT))
if not isinstance(_OS_STORE, dict):  # pragma: no cover - not CPython's os.environ
    _OS_STORE = None


@dataclass
class _Resolved:
    chain: Chain
    provider: CredentialsProvider
    stamp: Stamp
    checked_at: float
    ini_profile: bool = False
    persistent: bool = False
    cwd: str | None = None  # set when the chain resolves relative to the working directory

    def valid_here(self) -> bool:
        """False when the chain depends on a working directory other than the current."""
        return self.cwd is None or self.cwd == working_directory()


_lock = threading.Lock()
_resolved: dict[tuple[object, ...], _Resolved] = {}


def plan(
    profile: str | None = None, *, config: str | None = None, overrides: Overrides | None = None
) -> Chain:
    """The checked ``Chain`` for ``profile`` (the argument, else ``AWS_PROFILE``, else
    ``default``), with this run's ``overrides``: pure, no network and no boto3."""
    from resolver.chain.planner import plan_chain
    from resolver.config.loading import load_profiles, selected_profile

    return plan_chain(load_profiles(config), selected_profile(profile), overrides)


def config_paths(
    config: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Path, ...]:
    """The files a plan reads: shared config, shared credentials, rolechain TOML."""
    environ = os.environ if environ is None else environ
    from resolver.config.sources.files import ini_paths
    from resolver.config.sources.tomlfile import toml_path

    return (*ini_paths(environ), toml_path(config, environ))


def _plan(
    profile: str | None,
    config: str | None,
    environ: Mapping[str, str],
    overrides: Overrides | None = None,
) -> tuple[Chain, bool]:
    """The chain for ``profile``; None means "no profile named": default, else env web identity."""
    from resolver.chain.planner import plan_chain
    from resolver.config.loading import load_profiles

    profiles = load_profiles(config, environ)
    name = profile or "default"
    if profile is None and name not in profiles:
        from resolver.providers.bases.environment import web_identity_from_env

        found = web_identity_from_env(environ)
        if found is not None:
            role_arn, token_file, session_name = found
            source = WebIdentitySource(None, role_arn, token_file, session_name)
            chain = Chain(profile="environment", source=source)
            if overrides:
                from resolver.chain.overrides import apply_overrides

                chain = apply_overrides(chain, overrides)  # no hop: a clear error
            return chain, False
    raw = profiles.raw(name)
    return plan_chain(profiles, name, overrides), raw is not None and raw.format == "ini"


def _entry(
    profile: str | None,
    config: str | None,
    token_provider: TokenProvider | None,
    environ: Mapping[str, str],
    overrides: Overrides | None = None,
) -> _Resolved:
    """The cached chain and provider, rebuilt when a configuration file changed."""
    if environ is os.environ and _OS_STORE is not None:
        values = tuple(map(_OS_STORE.get, _OS_KEYS))
    else:
        values = tuple(map(environ.get, CHAIN_ENVIRONMENT))
    key = (profile, config, id(token_provider), values, overrides or None)
    entry = _resolved.get(key)
    now = time.monotonic()
    if entry is not None and now - entry.checked_at < RECHECK_SECONDS and entry.valid_here():
        return entry
    with _lock:
        stamp = files_stamp(config_paths(config, environ))
        entry = _resolved.get(key)
        if entry is None or entry.stamp != stamp or not entry.valid_here():
            from resolver.cache.keyring_lock import keyring_lock
            from resolver.cache.persistent import disk_backed, step_wrapper
            from resolver.providers.executor import build_provider

            chain, ini_profile = _plan(profile, config, environ, overrides)
            provider = build_provider(
                chain,
                token_provider=token_provider,
                environ=environ,
                wrap=step_wrapper(environ),
                keyring_lock=keyring_lock(environ),
            )
            entry = _Resolved(chain, provider, stamp, now, ini_profile, disk_backed(provider))
            paths = (config, *(environ.get(name) for name in PATH_ENVIRONMENT))
            if depends_on_working_directory(chain, paths, environ.get("PATH", "")):
                entry.cwd = working_directory()
            _resolved[key] = entry
        entry.checked_at = now
        return entry


@dataclass(frozen=True)
class Resolution:
    """What ``resolution`` found: the chain (None for implicit environment keys), the
    credentials, the configuration files' stamp from before the chain was planned,
    whether the last step's credentials live in the disk cache, and (when asked for) the
    chain's ``resolver.cache.keys.dependency_stamp`` from before they were resolved."""

    chain: Chain | None
    credentials: Credentials
    stamp: Stamp = ()
    persistent: bool = False
    depends: tuple[Dependency, ...] | None = None


def resolve(
    profile: str | None = None,
    *,
    config: str | None = None,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """Credentials for ``profile`` (argument, else ``AWS_PROFILE``, else ``default``).

    With no profile named and no ``AWS_PROFILE``, environment keys win, as in every SDK;
    then the ``default`` profile; then ``AWS_WEB_IDENTITY_TOKEN_FILE`` / ``AWS_ROLE_ARN``.
    """
    environ = os.environ if environ is None else environ
    if profile:  # the warm path: a key, a lookup, the cache's freshness check
        return _entry(profile, config, token_provider, environ).provider.retrieve()
    return resolution(
        None, config=config, token_provider=token_provider, environ=environ
    ).credentials


def resolve_chain(
    profile: str | None = None,
    *,
    config: str | None = None,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Chain | None, Credentials]:
    """Like ``resolve``, also returning the chain (None for implicit environment keys)."""
    environ = os.environ if environ is None else environ
    found = resolution(profile, config=config, token_provider=token_provider, environ=environ)
    return found.chain, found.credentials


def resolution(
    profile: str | None = None,
    *,
    config: str | None = None,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Overrides | None = None,
    dependencies: bool = False,
) -> Resolution:
    """Like ``resolve``, with what ``rolechain export`` needs to save a ready answer;
    ``overrides`` are this run's (``resolver.chain.overrides``); ``dependencies``: stamp
    what the chain's base depends on, before resolving (a later stamp could vouch for a
    token that was not the one used)."""
    environ = os.environ if environ is None else environ
    name = profile or environ.get("AWS_PROFILE") or None
    if name is None:
        from resolver.providers.bases.environment import (
            EnvironmentProvider,
            has_environment_credentials,
        )

        if has_environment_credentials(environ):
            if overrides:
                from resolver.errors import ChainError

                message = "the environment's keys assume no role: no hop to override"
                raise ChainError(message, reason="no-hop-to-override")
            return Resolution(None, EnvironmentProvider(environ).retrieve())
    entry = _entry(name, config, token_provider, environ, overrides)
    depends = None
    if dependencies and entry.persistent:
        from resolver.cache.keys import dependency_stamp
        from resolver.context import Context
        from resolver.providers.executor import base_key

        depends = dependency_stamp(base_key(entry.chain, Context.build(environ)), environ)
    credentials = entry.provider.retrieve()
    return Resolution(entry.chain, credentials, entry.stamp, entry.persistent, depends)


def clear() -> None:
    """Forget every cached chain (tests, long-running processes after a config edit)."""
    with _lock:
        _resolved.clear()


def session(
    profile: str | None = None,
    *,
    config: str | None = None,
    token_provider: TokenProvider | None = None,
    region_name: str | None = None,
) -> boto3.Session:
    """A boto3 Session whose credentials come from ``profile``'s chain and refresh."""
    import boto3
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver

    name = profile or os.environ.get("AWS_PROFILE") or None
    entry = _entry(name, config, token_provider, os.environ)
    refreshable = _refreshable(entry.provider)

    class _ChainProvider(CredentialProvider):
        METHOD = "rolechain"
        CANONICAL_NAME = "rolechain"

        def load(self) -> Any:
            return refreshable

    core = botocore.session.Session()
    # botocore reads other settings (retries, s3...) from the profile when it is an INI one.
    core.set_config_variable("profile", entry.chain.profile if entry.ini_profile else "default")
    core.register_component("credential_provider", CredentialResolver([_ChainProvider()]))
    region = region_name or os.environ.get("AWS_REGION") or entry.chain.sts.region
    return boto3.Session(botocore_session=core, region_name=region)


# botocore refreshes at these margins; ours (5 minutes ahead) has already refreshed by then.
ADVISORY_REFRESH = timedelta(minutes=3)
MANDATORY_REFRESH = timedelta(minutes=1)
NON_EXPIRING_RECHECK = timedelta(hours=1)


def _refreshable(provider: CredentialsProvider) -> Any:
    from botocore.credentials import DeferredRefreshableCredentials

    class _ChainCredentials(DeferredRefreshableCredentials):
        _advisory_refresh_timeout = int(ADVISORY_REFRESH.total_seconds())
        _mandatory_refresh_timeout = int(MANDATORY_REFRESH.total_seconds())

    def metadata() -> dict[str, str | None]:
        credentials = provider.retrieve()
        expires = credentials.expires or datetime.now(timezone.utc) + NON_EXPIRING_RECHECK
        return {
            "access_key": credentials.access_key_id,
            "secret_key": credentials.secret_access_key,
            "token": credentials.session_token,
            "expiry_time": expires.isoformat(),
        }

    return _ChainCredentials(refresh_using=metadata, method="rolechain")
