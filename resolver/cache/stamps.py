"""Stamps: what a ready answer (``resolver.cache.answers``) or the completion listing
(``resolver.cli.names``) checks before it serves: the configuration files' stamps, read
without their contents, and the current value of each ``Dependency`` of a chain's base.

A ``Dependency`` is (kind, name, value): ``file`` (a path; the sha256 of its bytes, e.g.
a web identity token), ``program`` (a bare program name; the file ``PATH`` finds for it)
or ``cwd`` (the working directory, for a program path relative to it).
``resolver.cache.keys.dependency_stamp`` lists a base's dependencies, with their values,
for both the hop cache key and the ready answer, which re-checks each with
``dependency_value`` before it is served.

Imports only ``os`` and ``stat`` (loaded with the interpreter): the warm ``export`` path
uses it; the built-in sha256 module only for an answer with a file dependency.
"""

import os
import stat

from resolver.environment import current_directory

TYPE_CHECKING = False  # typing would cost the warm path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

FileStamp = tuple[str, str, int, int, int, int, int]
Stamp = tuple[FileStamp, ...]
"""Per configuration file: (path, resolved target, size, mtime_ns, inode, device, ctime_ns)
of the file the path leads to through any symlinks; the numbers are -1 when missing."""
_MISSING = (-1, -1, -1, -1, -1)

Dependency = tuple[str, str, str]
"""(kind, name, value) of what a chain's base depends on: see the module docstring."""


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


MAX_DEPENDENCY_BYTES = 1024 * 1024


def file_digest(path: str) -> str:
    """The sha256 of a regular file of at most ``MAX_DEPENDENCY_BYTES`` (opened without
    blocking on a FIFO), else ``missing``, ``unreadable`` or ``not-a-small-file``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError):
        return "unreadable"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DEPENDENCY_BYTES:
            return "not-a-small-file"
        data = b""
        while len(data) <= MAX_DEPENDENCY_BYTES and (
            chunk := os.read(fd, MAX_DEPENDENCY_BYTES + 1 - len(data))
        ):
            data += chunk
    except OSError:
        return "unreadable"
    finally:
        os.close(fd)
    try:  # the built-in module: hashlib would load OpenSSL, 2 ms of a warm answer
        from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - Python 3.12 renamed it
        from hashlib import sha256
    if len(data) > MAX_DEPENDENCY_BYTES:  # it grew since fstat
        return "not-a-small-file"
    return str(sha256(data).hexdigest())


def find_program(program: str, environ: "Mapping[str, str]") -> str:
    """The absolute path of the executable ``PATH`` (or the default path) finds for a
    bare ``program``, as ``subprocess`` would run it; "" when there is none."""
    search = {"PATH": environ["PATH"]} if "PATH" in environ else {}
    for directory in os.get_exec_path(search):
        candidate = os.path.join(directory, program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return ""


def dependency_value(kind: str, name: str, environ: "Mapping[str, str]") -> str:
    """The current value of a ``Dependency`` of ``kind`` and ``name``."""
    if kind == "file":
        return file_digest(name)
    if kind == "program":
        return find_program(name, environ)
    return current_directory() if kind == "cwd" else "?"
