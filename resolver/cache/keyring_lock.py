"""One cross-process lock around every OS keyring access.

macOS Keychain and some Secret Service daemons fail when several processes use them at
once (saml2aws#162), so rolechain reads and writes its keyring entries one process at a
time, behind ``<cache dir>/keyring.lock`` (a ``KeyLock``: bounded by
``ROLECHAIN_LOCK_TIMEOUT``, released by the kernel if its holder dies).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager

from resolver.cache.locks import KeyLock, lock_timeout
from resolver.cache.store import CacheStore, cache_dir

LOCK_NAME = "keyring"


def keyring_lock(
    environ: Mapping[str, str] | None = None,
) -> Callable[[], AbstractContextManager[object]]:
    """A factory of the (not yet taken) keyring lock, for ``with factory(): ...``."""
    env = os.environ if environ is None else environ

    def make() -> KeyLock:
        store = CacheStore(cache_dir(env))
        return store.lock(LOCK_NAME, timeout=lock_timeout(env), label="the OS keyring")

    return make
