"""Reading the cache's private files: only from a directory no one else can write, only
regular files of ours with mode 0600, never through a symlink, never blocking on a FIFO.

Imports only ``os`` and ``stat`` (loaded with the interpreter): the warm ``export`` path
reads its answer through it.
"""

import os
import stat


class NotRegularFile(ValueError):
    """A FIFO, device, socket or directory where a cache file should be."""


def private_directory(directory: str) -> bool:
    """True when ``directory`` is ours and neither group- nor world-writable, or missing."""
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        return True  # nothing to read from it; a write creates it private
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def read_private(path: str, limit: int) -> bytes:
    """A cache file's bytes; ValueError unless it is a regular file of at most ``limit``
    bytes, ours and private (0600); NotRegularFile for a symlink, FIFO, socket or device
    (opened without following or blocking); OSError if missing or unreadable."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except OSError:  # a socket (ENXIO) or a symlink (ELOOP) is no cache file either
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise NotRegularFile("not a regular file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile("not a regular file")
        if info.st_size > limit:
            raise ValueError("not a file of sane size")
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            raise ValueError("not private to this user")
        chunks = []
        while chunk := os.read(fd, limit + 1):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
