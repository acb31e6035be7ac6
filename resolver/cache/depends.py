"""What a chain's base depends on besides its configuration, and its value now.

A ``Dependency`` is (kind, name, value): ``file`` (a path; the sha256 of its bytes, e.g.
a web identity token), ``program`` (a bare program name; the file ``PATH`` finds for it)
or ``cwd`` (the working directory, for a program path relative to it).

``resolver.cache.keys.dependency_stamp`` lists a base's dependencies, with their values,
for both the hop cache key and the ready answer (``resolver.cache.answers``), which
re-checks each with ``dependency_value`` before it is served. Standard library only (it
is on the warm path); the built-in sha256 module only for an answer with a file.
"""

import os
import stat

from resolver.environment import current_directory

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

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
