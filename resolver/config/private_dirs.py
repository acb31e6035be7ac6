"""The one way rolechain creates directories: each missing one 0700, whatever the umask.

``Path.mkdir(mode, parents=True)`` gives ``mode`` to the last directory only; the parents
it creates get ``0o777 & ~umask``, world-writable under ``umask 000``. Here every
directory created, parents included, gets ``mode`` (0700 unless asked otherwise, as the
XDG base directory specification asks for the directories it names); directories that
already exist are left as they are. Stdlib only: the warm export path may use it.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE = 0o700


def make_dirs(path: str | os.PathLike[str], mode: int = PRIVATE) -> os.stat_result:
    """Create ``path`` and its missing parents, each with exactly ``mode`` (never group or
    other write); the status of ``path``. ``FileExistsError`` if a component exists and
    is not a directory."""
    if mode & 0o022:
        raise ValueError(f"directory mode {mode:o} would let others write")
    missing: list[Path] = []
    current = Path(path)
    while not current.is_dir() and current.parent != current:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, mode)  # umask can only remove bits from ``mode``
        except FileExistsError:
            if directory.is_dir():
                continue  # made meanwhile by another process: left as it is
            raise
        os.chmod(directory, mode)  # restore the bits a umask removed
    return os.stat(path)
