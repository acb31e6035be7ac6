"""One lock for every rewrite of a user's AWS file (``keys import``, ``keys rotate``,
``setup --write``): concurrent rolechain runs take turns, so none replaces the file with a
copy that misses another's change.

The lock is ``.NAME.rolechain-lock`` beside the file (through a symlink, its target),
taken with ``KeyLock`` (bounded wait, dropped by the kernel if its holder dies) and
removed by its holder when done. Inside the lock the caller reads the file, changes it and
replaces it; nothing it read before the lock may be trusted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from resolver.cache.locks import KeyLock
from resolver.config.private_dirs import make_dirs


@contextmanager
def editing(path: Path, timeout: float) -> Iterator[Path]:
    """Hold the edit lock of ``path`` (waiting at most ``timeout`` seconds); yields the file
    it names (symlinks resolved). Its directory is created (0700) if missing."""
    target = Path(os.path.realpath(path))
    make_dirs(target.parent)
    lock = KeyLock(
        target.with_name(f".{target.name}.rolechain-lock"),
        timeout=timeout,
        label=f"editing {target}",
    )
    with lock:
        try:
            yield target
        finally:
            lock.unlink()  # safe while held: a waiter re-checks the path and locks anew
