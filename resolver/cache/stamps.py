"""Stamps: what a ready answer (``resolver.cache.answers``) or the completion listing
(``resolver.cli.names``) checks before it serves, without reading a file's contents.

Imports only ``os`` (loaded with the interpreter): the warm ``export`` path uses it.
"""

import os

TYPE_CHECKING = False  # typing would cost the warm path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Iterable

FileStamp = tuple[str, str, int, int, int, int, int]
Stamp = tuple[FileStamp, ...]
"""Per configuration file: (path, resolved target, size, mtime_ns, inode, device, ctime_ns)
of the file the path leads to through any symlinks; the numbers are -1 when missing."""
_MISSING = (-1, -1, -1, -1, -1)

Dependency = tuple[str, str, str]
"""(kind, name, value) of what a chain's base depends on: see ``resolver.cache.depends``."""


def files_stamp(paths: "Iterable[os.PathLike[str] | str]") -> Stamp:
    """The stamp of ``paths``: any edit, creation, removal, rename over, ``cp -p`` over or
    symlink swap changes it (a new inode or device, or a new ctime, which no user can set).
    """
    stamp = []
    for path in paths:
        name = os.fspath(path)
        target = os.path.realpath(name)
        try:
            info = os.stat(target)
        except (OSError, ValueError):
            stamp.append((name, target, *_MISSING))
        else:
            numbers = (info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev, info.st_ctime_ns)
            stamp.append((name, target, *numbers))
    return tuple(stamp)
