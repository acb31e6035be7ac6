"""``persistent_cache``: the default step wrapper, memory first, then disk under a lock.

Each step becomes ``CachedStep(DiskCachedProvider(provider))``. The in-memory cache
answers repeated calls in one process; on a miss the disk layer reads the step's entry
and serves it while fresh, *before* asking the previous step for anything, so a warm
last hop costs no upstream work at all. Otherwise it takes the key's cross-process lock,
reads the entry again (another process may have just written it), calls the provider
only if it is still stale, writes the entry and releases the lock. An MFA prompt thus
happens under the lock: parallel processes wait for the session instead of prompting.

Keys (see ``step_material``) cover everything that changes the result: the STS
parameters (a configured RoleSessionName, or the marker ``generated``; never a token
code), the STS endpoint and region, and the caller's identity: the previous step's key,
or the base's access key id. Steps whose credentials are local and cheap (static and
environment keys, credential_process, container, IMDS) stay in memory only; a base's
long-term secret never reaches the disk.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from resolver.cache.answers import cache_disabled
from resolver.cache.failures import forget_failure, recent_failure, record_failure
from resolver.cache.keyring_lock import recorded_key_id
from resolver.cache.locks import lock_timeout
from resolver.cache.store import CacheStore, Entry, cache_dir, make_key
from resolver.chain.types import (
    LONG_TERM_KEY_SOURCES,
    KeyringSource,
    ProcessSource,
    SsoSource,
    StaticSource,
    WebIdentitySource,
)
from resolver.errors import CacheError, ResolverError, StsError
from resolver.providers.assume_role import AssumeRoleProvider
from resolver.providers.cache import DEFAULT_EXPIRY_WINDOW, CredentialsCache
from resolver.providers.credentials import Credentials, CredentialsProvider
from resolver.providers.executor import Step, StepWrapper, memory_cache
from resolver.providers.tokens import counting_waiters

logger = logging.getLogger(__name__)

GENERATED = "generated"
"""Stands in the key for a RoleSessionName generated afresh on every call."""

Clock = Callable[[], datetime]
Material = dict[str, Any]

# How many disk-cached steps are resolving in this context: a chain prunes the cache
# once, when its outermost step is done, not once per hop (which read every entry and
# took every free lock again for each hop: quadratic in the chain's length).
_resolving: contextvars.ContextVar[int] = contextvars.ContextVar("rolechain_steps", default=0)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CachedStep(CredentialsCache):
    """A ``CredentialsCache`` that can name its identity for the next step's key."""

    def __init__(
        self,
        provider: CredentialsProvider,
        identity: Callable[[CachedStep], str],
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(provider, clock=clock)
        self._identity = identity

    def identity(self) -> str:
        """Who calls STS with these credentials, as far as a cache key is concerned."""
        return self._identity(self)


class DiskCachedProvider:
    """Serve ``provider``'s credentials from the disk entry under ``key()``.

    ``material`` describes the step (its sha256 is the key); ``meta`` fills the entry's
    profile, hop and role_arn. An entry inside ``window`` of its expiry is refreshed; if
    that refresh fails (or the lock wait runs out) while the entry is still valid, the
    entry is served. An unusable cache directory degrades to calling the provider.
    """

    def __init__(
        self,
        provider: CredentialsProvider,
        material: Callable[[], Material],
        *,
        store: CacheStore,
        meta: Mapping[str, str | None],
        window: timedelta = DEFAULT_EXPIRY_WINDOW,
        timeout: float = 120.0,
        clock: Clock | None = None,
    ) -> None:
        self._provider = provider
        self._material = material
        self.store = store
        self.meta = dict(meta)
        self.window = window
        self.timeout = timeout
        self._clock: Clock = clock or _utcnow
        self._last: Credentials | None = None

    @property
    def name(self) -> str:
        return self._provider.name

    @property
    def provider(self) -> CredentialsProvider:
        return self._provider

    def __repr__(self) -> str:
        return f"DiskCachedProvider({self._provider!r}, store={self.store!r})"

    def key(self) -> str:
        """The step's cache key (the caller's identity may be looked up)."""
        return make_key(self._material())

    def retrieve(self) -> Credentials:
        """The entry's credentials if fresh, else the provider's (see the class docstring)."""
        depth = _resolving.set(_resolving.get() + 1)
        try:
            credentials, wrote = self._retrieve()
        finally:
            _resolving.reset(depth)
        if wrote and _resolving.get() == 0:
            self.store.prune(self._clock())
        return credentials

    def _retrieve(self) -> tuple[Credentials, bool]:
        """The credentials, and whether they were written to disk just now."""
        key = self.key()
        entry = self.store.read(key)
        if entry is not None and entry.fresh(self._clock(), self.window):
            return self._from_entry(entry), False
        label = self.meta.get("hop") or self.name
        # With a still-valid entry, never wait behind another process's STS call (it may
        # be throttled): refresh only if the lock is free now, else serve the entry.
        valid = entry is not None and not entry.expired(self._clock())
        try:
            lock = self.store.lock(key, timeout=self.timeout, label=label)
            acquired = lock.try_acquire(0.0 if valid else self.timeout)
        except CacheError as exc:
            logger.warning("rolechain: not using the credentials cache: %s", exc)
            return self._provider.retrieve(), False
        if not acquired:
            if entry is not None and not entry.expired(self._clock()):
                logger.debug("%s: lock busy; serving the still-valid cached entry", label)
                return self._from_entry(entry), False
            raise lock.timeout_error()
        try:
            entry = self.store.read(key)
            if entry is not None and entry.fresh(self._clock(), self.window):
                return self._from_entry(entry), False
            shared = recent_failure(self.store, key, self._clock())
            if shared is not None and (entry is None or entry.expired(self._clock())):
                message, code = shared  # the process before us just failed: share its answer
                raise StsError(message, code=code)
            try:
                with counting_waiters(lock.waiters):
                    credentials = self._provider.retrieve()
            except Exception as exc:
                if isinstance(exc, StsError):
                    record_failure(self.store, key, str(exc), exc.code, self._clock())
                if entry is not None and not entry.expired(self._clock()):
                    why = str(exc) if isinstance(exc, ResolverError) else type(exc).__name__
                    logger.warning(
                        "rolechain: %s: refresh failed (%s); serving the cached session until %s",
                        label,
                        why,
                        f"{entry.expiration:%Y-%m-%dT%H:%M:%SZ}",
                    )
                    return self._from_entry(entry), False
                raise
            self._save(key, credentials)
            forget_failure(self.store, key)
        finally:
            lock.release()
        self._last = credentials
        return credentials, True

    def _save(self, key: str, credentials: Credentials) -> None:
        if credentials.expires is None:
            return  # nothing that never expires goes to disk
        entry = Entry(
            profile=self.meta.get("profile"),
            hop=self.meta.get("hop") or self.name,
            role_arn=self.meta.get("role_arn"),
            access_key_id=credentials.access_key_id,
            secret_access_key=credentials.secret_access_key,
            session_token=credentials.session_token,
            expiration=credentials.expires,
            account_id=credentials.account_id,
            written_at=self._clock(),
            through=tuple(filter(None, (self.meta.get("through") or "").split("\n"))),
            caller=self.meta.get("caller"),
        )
        try:
            self.store.write(key, entry)
        except CacheError as exc:
            logger.warning("rolechain: could not save credentials to the cache: %s", exc)

    def _from_entry(self, entry: Entry) -> Credentials:
        last = self._last
        if (
            last is not None
            and last.access_key_id == entry.access_key_id
            and last.expires == entry.expiration
        ):
            return last  # same object: downstream clients need no rebuild
        self._last = Credentials(
            access_key_id=entry.access_key_id,
            secret_access_key=entry.secret_access_key,
            session_token=entry.session_token,
            expires=entry.expiration,
            source=self.name,
            account_id=entry.account_id,
        )
        return self._last


def _digest(token: str) -> str:
    """The step's key names the token by its sha256, so two tokens at one path (two CI
    jobs on a runner) never share a session, and the token itself never reaches the disk."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _target(step: Step) -> list[str | None]:
    target = step.target
    return [target.region, target.endpoint_url] if target is not None else [None, None]


def _caller_identity(step: Step) -> Callable[[], str] | None:
    identity = getattr(step.caller, "identity", None)
    return identity if callable(identity) else None


def step_material(
    provider: CredentialsProvider, step: Step, directory: Path | None = None
) -> Callable[[], Material] | None:
    """How to describe ``step`` for its key, or None if it is not cached on disk
    (``directory``: the cache directory, where keyring key ids are recorded)."""
    source = step.source
    if step.hop is not None:
        caller = _caller_identity(step)
        if caller is None or not isinstance(provider, AssumeRoleProvider):
            return None
        params = provider.request()
        params["RoleSessionName"] = provider.role_session_name or GENERATED
        params.pop("TokenCode", None)
        fixed = {"kind": "assume-role", "params": params, "target": _target(step)}
        return lambda: {**fixed, "caller": caller()}
    if isinstance(source, LONG_TERM_KEY_SOURCES) and source.mfa_serial:
        return lambda: {
            "kind": "session-token",
            "access_key_id": source.access_key_id
            if isinstance(source, StaticSource)
            else _long_term_identity(source, directory),
            "serial": source.mfa_serial,
            "duration": getattr(provider, "duration_seconds", source.mfa_duration_seconds),
            "target": _target(step),
        }
    if isinstance(source, WebIdentitySource):
        token_retriever = getattr(provider, "token_retriever", None)
        if token_retriever is None:
            return None
        return lambda: {
            "kind": "web-identity",
            "role_arn": source.role_arn,
            "token_sha256": _digest(token_retriever.get_identity_token()),
            "role_session_name": source.role_session_name or GENERATED,
            "duration": source.duration_seconds,
            "policy": source.policy,
            "policy_arns": list(source.policy_arns),
            "target": _target(step),
        }
    if isinstance(source, SsoSource):
        return lambda: {
            "kind": "sso",
            "start_url": source.sso_start_url,
            "sso_region": source.sso_region,
            "sso_session": source.sso_session,
            "account_id": source.sso_account_id,
            "role_name": source.sso_role_name,
        }
    return None


def base_identity(step: Step, directory: Path | None = None) -> Callable[[CachedStep], str]:
    """The identity of a base kept in memory only: the access key id it signs with.

    Environment, container and instance credentials are fetched for it (locally, without
    a prompt), so hosts sharing a cache directory never share each other's hops. A
    credential_process is named by its command instead (and the working directory, for a
    relative program path such as ``./bin/creds``): running it just to name it could prompt.
    """
    source = step.source
    if isinstance(source, LONG_TERM_KEY_SOURCES):
        return lambda _: _long_term_identity(source, directory)
    if isinstance(source, ProcessSource):
        program = source.command.strip().split(" ", 1)[0].strip("\"'")
        where = os.getcwd() if "/" in program and not os.path.isabs(program) else ""
        return lambda _: f"credential-process:{source.profile}:{where}:{source.command}"
    return lambda cached: f"{source.kind}:{cached.retrieve().access_key_id}"


def _long_term_identity(source: StaticSource | KeyringSource, directory: Path | None) -> str:
    """Static keys: their access key id. Keyring keys: the entry's name and the key id
    ``rolechain keys`` recorded for it, so a warm run and a waiting process never read
    the keyring just to name the caller (see ``resolver.cache.keyring_lock``)."""
    if isinstance(source, KeyringSource):
        recorded = recorded_key_id(directory, source.profile) if directory else ""
        return f"keyring:rolechain/{source.profile}:{recorded}"
    return f"static:{source.access_key_id}"


def _meta(provider: CredentialsProvider, step: Step) -> dict[str, str | None]:
    source, hop = step.source, step.hop
    label = getattr(provider, "label", None)
    through = step.through
    return {
        "profile": hop.profile if hop else source.profile,
        "hop": label if isinstance(label, str) and label else step.label,
        "role_arn": hop.role_arn if hop else getattr(source, "role_arn", None),
        "through": "\n".join(through) or None,
        "caller": f"profile {through[-2]}" if hop and len(through) > 1 else None,
    }


def make_persistent_cache(
    store: CacheStore | None = None,
    *,
    timeout: float | None = None,
    window: timedelta = DEFAULT_EXPIRY_WINDOW,
    clock: Clock | None = None,
    environ: Mapping[str, str] | None = None,
) -> StepWrapper:
    """A step wrapper bound to ``store`` (default: ``cache_dir(environ)``)."""
    environ = os.environ if environ is None else environ

    def wrap(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
        where = store or CacheStore(cache_dir(environ))
        material = step_material(provider, step, where.directory)
        if material is None:
            if step.hop is not None:  # a hop we can't key safely: memory only
                return CredentialsCache(provider, clock=clock)
            return CachedStep(provider, base_identity(step, where.directory), clock=clock)
        disk = DiskCachedProvider(
            provider,
            material,
            store=where,
            meta=_meta(provider, step),
            window=window,
            timeout=lock_timeout(environ) if timeout is None else timeout,
            clock=clock,
        )
        return CachedStep(disk, lambda _: f"step:{disk.key()}", clock=clock)

    return wrap


def persistent_cache(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
    """The default wrapper: memory, then the disk cache in ``cache_dir()``."""
    return make_persistent_cache()(provider, step)


def step_wrapper(environ: Mapping[str, str] | None = None) -> StepWrapper:
    """``persistent_cache`` unless ``ROLECHAIN_NO_CACHE`` turns it off (then memory only)."""
    environ = os.environ if environ is None else environ
    return memory_cache if cache_disabled(environ) else make_persistent_cache(environ=environ)


def disk_backed(provider: CredentialsProvider) -> bool:
    """True when ``provider`` (a wrapped step) keeps its credentials in the disk cache."""
    return isinstance(getattr(provider, "provider", None), DiskCachedProvider)
