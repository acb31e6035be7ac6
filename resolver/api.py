"""``plan()``, ``resolve()`` and ``session()``: the library calls, with an in-process chain cache.

Each call's surroundings are one ``resolver.context.Context``: built here from the
``environ`` a caller gives (default: the process environment) or given ready by the CLI,
and passed down; no stage reads the process environment. A resolved chain's providers
are kept per (profile, config, token provider, the ``CHAIN_ENVIRONMENT`` variables, cache
enabled) and reused until a configuration file changes (checked by path, size and mtime,
at most once a second), so a warm call costs a few dictionary lookups and the cache's
freshness check: a few microseconds (the ``Context`` is built only when a chain is).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.cache.stamps import Dependency, Stamp, files_stamp
from resolver.chain.paths import depends_on_working_directory
from resolver.chain.types import Chain, WebIdentitySource
from resolver.context import Context, current_directory, process_reader
from resolver.records import Record
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


_PROCESS_GET, _PROCESS_KEYS = process_reader(CHAIN_ENVIRONMENT)


class _Resolved(Record, frozen=False):
    chain: Chain
    provider: CredentialsProvider
    stamp: Stamp
    checked_at: float
    ini_profile: bool = False
    persistent: bool = False
    cwd: str | None = None  # set when the chain resolves relative to the working directory

    def valid_here(self, given: Context | None) -> bool:
        """False when the chain depends on a working directory other than the current
        (``given``'s, else the process's)."""
        if self.cwd is None:
            return True
        return self.cwd == (given.cwd if given is not None else current_directory())


_lock = threading.Lock()
_resolved: dict[tuple[object, ...], _Resolved] = {}


def context_of(environ: Mapping[str, str] | None, context: Context | None = None) -> Context:
    """``context`` if given, else the ``Context`` of ``environ`` (default: the process's)."""
    return context if context is not None else Context.build(environ)


def plan(
    profile: str | None = None,
    *,
    config: str | None = None,
    overrides: Overrides | None = None,
    environ: Mapping[str, str] | None = None,
    context: Context | None = None,
) -> Chain:
    """The checked ``Chain`` for ``profile`` (the argument, else ``AWS_PROFILE``, else
    ``default``), with this run's ``overrides``: pure, no network and no boto3."""
    from resolver.config.loading import load_profiles, selected_profile
    from resolver.planning import checked_plan

    ctx = context_of(environ, context)
    profiles = load_profiles(config, ctx.environ)
    name = selected_profile(profile, ctx.environ)
    return checked_plan(profiles, name, overrides, (config, ctx.environ), not profile)


def config_paths(config: str | None, environ: Mapping[str, str]) -> tuple[Path, ...]:
    """The files a plan reads: shared config, shared credentials, rolechain TOML."""
    from resolver.config.sources.files import ini_paths
    from resolver.config.sources.tomlfile import toml_path

    return (*ini_paths(environ), toml_path(config, environ))


def _plan(
    profile: str | None,
    config: str | None,
    ctx: Context,
    overrides: Overrides | None = None,
) -> tuple[Chain, bool]:
    """The chain for ``profile``; None means "no profile named": default, else env web identity."""
    from resolver.config.loading import load_profiles
    from resolver.planning import checked_plan

    environ = ctx.environ
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
    named_by_environment = profile is not None and profile == environ.get("AWS_PROFILE")
    chain = checked_plan(profiles, name, overrides, (config, environ), named_by_environment)
    return chain, raw is not None and raw.format == "ini"


def _entry(
    profile: str | None,
    config: str | None,
    token_provider: TokenProvider | None,
    given: Context | Mapping[str, str] | None,
    overrides: Overrides | None = None,
) -> _Resolved:
    """The cached chain and provider, rebuilt when a configuration file changed; ``given``:
    the call's ``Context``, or the ``environ`` to build one from (None: the process's)."""
    if given is None:  # the warm path: no call but the lookups
        ctx = None
        values = tuple(map(_PROCESS_GET, _PROCESS_KEYS))
        key = (profile, config, id(token_provider), values, True, overrides or None)
    else:
        ctx = given if isinstance(given, Context) else None
        environ = ctx.environ if ctx is not None else given
        values = tuple(map(environ.get, CHAIN_ENVIRONMENT))  # type: ignore[union-attr]
        enabled = ctx is None or ctx.cache_enabled
        key = (profile, config, id(token_provider), values, enabled, overrides or None)
    entry = _resolved.get(key)
    now = time.monotonic()
    if entry is not None and now - entry.checked_at < RECHECK_SECONDS and entry.valid_here(ctx):
        return entry
    with _lock:
        ctx = ctx or Context.build(given)  # type: ignore[arg-type]
        stamp = files_stamp(config_paths(config, ctx.environ))
        entry = _resolved.get(key)
        if entry is None or entry.stamp != stamp or not entry.valid_here(ctx):
            entry = _build(profile, config, token_provider, ctx, overrides, stamp, now)
            _resolved[key] = entry
        entry.checked_at = now
        return entry


def _build(
    profile: str | None,
    config: str | None,
    token_provider: TokenProvider | None,
    ctx: Context,
    overrides: Overrides | None,
    stamp: Stamp,
    now: float,
) -> _Resolved:
    """Plan the chain and build its providers in ``ctx``."""
    from resolver.cache.keyring_lock import keyring_lock
    from resolver.cache.persistent import disk_backed, step_wrapper
    from resolver.providers.executor import build_provider, memory_cache

    environ = ctx.environ
    chain, ini_profile = _plan(profile, config, ctx, overrides)
    provider = build_provider(
        chain,
        token_provider=token_provider,
        environ=environ,
        wrap=step_wrapper(environ) if ctx.cache_enabled else memory_cache,
        keyring_lock=keyring_lock(ctx),
    )
    entry = _Resolved(chain, provider, stamp, now, ini_profile, disk_backed(provider))
    paths = (config, *(environ.get(name) for name in PATH_ENVIRONMENT))
    if depends_on_working_directory(chain, paths, environ.get("PATH", "")):
        entry.cwd = ctx.cwd
    return entry


class Resolution(Record):
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
    """Credentials for ``profile`` (argument, else ``AWS_PROFILE``, else ``default``), as
    ``environ`` (default: the process environment) names the files and settings.

    With no profile named and no ``AWS_PROFILE``, environment keys win, as in every SDK;
    then the ``default`` profile; then ``AWS_WEB_IDENTITY_TOKEN_FILE`` / ``AWS_ROLE_ARN``.
    """
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
    context: Context | None = None,
) -> Resolution:
    """Like ``resolve``, with what ``rolechain export`` needs to save a ready answer;
    ``overrides`` are this run's (``resolver.chain.overrides``); ``dependencies``: stamp
    what the chain's base depends on, before resolving (a later stamp could vouch for a
    token that was not the one used); ``context``: the caller's (else built from
    ``environ``)."""
    ctx = context_of(environ, context)
    name = profile or ctx.environ.get("AWS_PROFILE") or None
    if name is None:
        from resolver.providers.bases.environment import (
            EnvironmentProvider,
            has_environment_credentials,
        )

        if has_environment_credentials(ctx.environ):
            if overrides:
                from resolver.errors import ChainError

                message = "the environment's keys assume no role: no hop to override"
                raise ChainError(message, reason="no-hop-to-override")
            return Resolution(None, EnvironmentProvider(ctx.environ).retrieve())
    entry = _entry(name, config, token_provider, ctx, overrides)
    depends = None
    if dependencies and entry.persistent:
        from resolver.cache.keys import dependency_stamp
        from resolver.providers.executor import base_key

        depends = dependency_stamp(base_key(entry.chain, ctx), ctx.environ)
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
    environ: Mapping[str, str] | None = None,
) -> boto3.Session:
    """A boto3 Session whose credentials come from ``profile``'s chain and refresh (the
    chain as ``environ``, default the process environment, names it)."""
    import boto3
    import botocore.session

    from resolver.stscreds.bridges import botocore_credentials, use_credentials

    ctx = Context.build(environ)
    name = profile or ctx.environ.get("AWS_PROFILE") or None
    entry = _entry(name, config, token_provider, ctx)

    core = botocore.session.Session()
    # botocore reads other settings (retries, s3...) from the profile when it is an INI one,
    # in the files the context names.
    config_file, credentials_file = config_paths(config, ctx.environ)[:2]
    core.set_config_variable("config_file", str(config_file))
    core.set_config_variable("credentials_file", str(credentials_file))
    core.set_config_variable("profile", entry.chain.profile if entry.ini_profile else "default")
    use_credentials(core, botocore_credentials(entry.provider))
    region = region_name or ctx.environ.get("AWS_REGION") or entry.chain.sts.region
    return boto3.Session(botocore_session=core, region_name=region)
