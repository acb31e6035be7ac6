"""One cross-process lock around every OS keyring access.

macOS Keychain and some Secret Service daemons fail when several processes use them at
once (saml2aws#162), so rolechain reads and writes its keyring entries one process at a
time, behind ``<cache dir>/keyring.lock`` (a ``KeyLock``: bounded by
``ROLECHAIN_LOCK_TIMEOUT``, released by the kernel if its holder dies).

The cache keys of sessions made with keyring keys must change when the keys do, yet a
warm run must not read the keyring to find out. So ``rolechain keys`` records the access
key id it stored (not a secret) in ``<cache dir>/keyring-<hash>.id``, and the keyring
base's ``StepKey`` names the keys by that small file (``key_id_path``), not the keyring.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from resolver.cache.locks import KeyLock
from resolver.cache.store import CacheStore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from resolver.context import Context

LOCK_NAME = "keyring"


def keyring_lock(ctx: Context) -> Callable[[], AbstractContextManager[object]]:
    """A factory of the (not yet taken) keyring lock in ``ctx``'s cache directory, for
    ``with factory(): ...``."""

    def make() -> KeyLock:
        store = CacheStore(Path(ctx.cache_dir))
        return store.lock(LOCK_NAME, timeout=ctx.lock_timeout, label="the OS keyring")

    return make


def record_key_id(profile: str, key_id: str | None, ctx: Context) -> None:
    """Record (or with None forget) ``profile``'s access key id, and drop the cached
    sessions and ready answers of chains through ``profile`` (in ``ctx``'s cache)."""
    from resolver.providers.bases.keyring_store import key_id_path  # not on resolve's path

    store = CacheStore(Path(ctx.cache_dir))
    store.ensure_dir()
    path = key_id_path(store.directory, profile)
    if key_id is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        temp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temp, flags, 0o600)
        try:
            os.write(fd, key_id.encode("ascii", "replace"))
        finally:
            os.close(fd)
        os.replace(temp, path)
    store.clear(profile)
