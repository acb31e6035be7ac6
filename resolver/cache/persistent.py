"""``persistent_cache``: the default step wrapper, memory first, then disk under a lock.

Each step becomes ``CachedStep(DiskCachedProvider(provider))``. The in-memory cache
answers repeated calls in one process; on a miss the disk layer reads the step's entry
and serves it while fresh, *before* asking the previous step for anything, so a warm
last hop costs no upstream work at all. Otherwise it takes the key's cross-process lock,
reads the entry again (another process may have just written it), calls the provider
only if it is still stale, writes the entry and releases the lock. An MFA prompt thus
happens under the lock: parallel processes wait for the session instead of prompting.

Keys (``resolver.cache.keys``, from each step's ``StepKey``) cover everything that
changes the result: the STS parameters, the STS endpoint and region, the caller's
identity and what the base depends on. Steps whose credentials are local and cheap
(static and environment keys, credential_process, container, IMDS) stay in memory
only; a base's long-term secret never reaches the disk.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from resolver.cache.failures import (
    Attempt,
    failure_id,
    forget_failure,
    record_failure,
    shared_failure,
)
from resolver.cache.keys import Material, base_identity, step_material
from resolver.cache.locks import lock_timeout
from resolver.cache.store import CacheStore, Entry, cache_dir, make_key
from resolver.context import cache_disabled
from resolver.errors import CacheError, ResolverError, StsError
from resolver.providers.executor import (
    MIN_REFRESH_WINDOW,
    REFRESH_JITTER_FRAC,
    REFRESH_WINDOW,
    Step,
    StepWrapper,
    memory_cache,
    resolver_cache,
)
from resolver.stscreds.cache import CredentialsCache, utc_now
from resolver.stscreds.credentials import Credentials, CredentialsProvider
from resolver.stscreds.tokens import counting_waiters, watching_codes

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# How many disk-cached steps are resolving in this context: a chain prunes the cache
# once, when its outermost step is done, not once per hop (which read every entry and
# took every free lock again for each hop: quadratic in the chain's length).
_resolving: contextvars.ContextVar[int] = contextvars.ContextVar("rolechain_steps", default=0)


class CachedStep(CredentialsCache):
    """A ``CredentialsCache`` that can name its identity for the next step's key."""

    def __init__(
        self,
        provider: CredentialsProvider,
        identity: Callable[[CachedStep], str],
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            provider,
            expiry_window=REFRESH_WINDOW,
            expiry_window_jitter_frac=REFRESH_JITTER_FRAC,
            clock=clock,
        )
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
        window: timedelta = MIN_REFRESH_WINDOW,
        timeout: float = 120.0,
        clock: Clock | None = None,
    ) -> None:
        self._provider = provider
        self._material = material
        self.store = store
        self.meta = dict(meta)
        self.window = window
        self.timeout = timeout
        self._clock: Clock = clock or utc_now
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
        seen = failure_id(self.store, key)  # before waiting: see resolver.cache.failures
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
            credentials, prompted = self._call(key, entry, seen, lock.waiters, label)
            if credentials is None:
                assert entry is not None  # _call serves a still-valid entry only
                return self._from_entry(entry), False
            self._save(key, credentials, durable=prompted)
            forget_failure(self.store, key)
        finally:
            lock.release()
        self._last = credentials
        return credentials, True

    def _call(
        self,
        key: str,
        entry: Entry | None,
        seen: str | None,
        waiters: Callable[[], int],
        label: str,
    ) -> tuple[Credentials | None, bool]:
        """The provider's credentials, under the lock, and whether an MFA code was sent
        for them; None to serve the still-valid ``entry`` after a failure. A failure
        recorded while we waited (not ``seen``) is replayed for the same call
        (``resolver.cache.failures``)."""
        now = self._clock()
        usable = entry is not None and not entry.expired(now)
        shared = None if usable else shared_failure(self.store, key, now, seen)
        if shared is not None and shared.sent is None:
            raise shared.error(now)  # the process before us just failed: share its answer
        attempt = Attempt(shared, now)
        try:
            with counting_waiters(waiters), watching_codes(attempt):
                return self._provider.retrieve(), attempt.code is not None
        except Exception as exc:
            if isinstance(exc, StsError) and not attempt.replayed:
                profiles = (self.meta.get("profile") or "", *self._through())
                record_failure(
                    self.store,
                    key,
                    exc,
                    self._clock(),
                    sent_code=attempt.code,
                    profiles=tuple(p for p in profiles if p),
                )
            if entry is None or entry.expired(self._clock()):
                raise
            why = str(exc) if isinstance(exc, ResolverError) else type(exc).__name__
            logger.warning(
                "rolechain: %s: refresh failed (%s); serving the cached session until %s",
                label,
                why,
                f"{entry.expiration:%Y-%m-%dT%H:%M:%SZ}",
            )
            return None, False

    def _through(self) -> tuple[str, ...]:
        return tuple(filter(None, (self.meta.get("through") or "").split("\n")))

    def _save(self, key: str, credentials: Credentials, *, durable: bool) -> None:
        """Write the entry; ``durable`` (fsynced) when losing it would cost an MFA prompt."""
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
            through=self._through(),
            caller=self.meta.get("caller"),
        )
        try:
            self.store.write(key, entry, durable=durable)
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
    window: timedelta = MIN_REFRESH_WINDOW,
    clock: Clock | None = None,
    environ: Mapping[str, str] | None = None,
) -> StepWrapper:
    """A step wrapper bound to ``store`` (default: ``cache_dir(environ)``, without an
    ``environ`` the cache directory of the Context each step was built in)."""

    def wrap(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
        settings = step.ctx.environ if environ is None else environ
        where = store or CacheStore(cache_dir(settings))
        material = step_material(step)  # from ``step.key``: see resolver.cache.keys
        if material is None:
            if step.hop is not None:  # a hop we can't key safely: memory only
                return resolver_cache(provider, clock=clock)
            return CachedStep(provider, base_identity(step), clock=clock)
        disk = DiskCachedProvider(
            provider,
            material,
            store=where,
            meta=_meta(provider, step),
            window=window,
            timeout=lock_timeout(settings) if timeout is None else timeout,
            clock=clock,
        )
        return CachedStep(disk, lambda _: f"step:{disk.key()}", clock=clock)

    return wrap


def persistent_cache(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
    """The default wrapper: memory, then the disk cache in ``cache_dir()``."""
    return make_persistent_cache()(provider, step)


def step_wrapper(environ: Mapping[str, str]) -> StepWrapper:
    """``persistent_cache`` unless ``ROLECHAIN_NO_CACHE`` turns it off (then memory only)."""
    return memory_cache if cache_disabled(environ) else make_persistent_cache(environ=environ)


def disk_backed(provider: CredentialsProvider) -> bool:
    """True when ``provider`` (a wrapped step) keeps its credentials in the disk cache."""
    return isinstance(getattr(provider, "provider", None), DiskCachedProvider)
