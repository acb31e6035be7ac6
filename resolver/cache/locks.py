"""Cross-process locks, one file per cache key, with bounded waits.

POSIX: ``fcntl.flock`` on a 0600 lock file. The kernel drops the lock when its holder
dies (even by SIGKILL), so a crashed process never deadlocks the others. The lock file
is opened close-on-exec, so child processes (``mfa_process``) never inherit it. After
taking the lock we check that the path still names the locked file: the pruner may
unlink a lock file, and then the waiter must lock the new one instead.
Elsewhere: the ``filelock`` package (its Windows lock also dies with its holder).

Waits are bounded: ``ROLECHAIN_LOCK_TIMEOUT`` seconds (default 120), then ``CacheError``.
No boto3, botocore or pydantic here.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from resolver.context import DEFAULT_LOCK_TIMEOUT as DEFAULT_LOCK_TIMEOUT
from resolver.context import lock_timeout as lock_timeout
from resolver.errors import CacheError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_FIRST_POLL = 0.002
_MAX_POLL = 0.05
_WAITING = ".waiting-"


def _open_lock_file(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    return os.open(path, flags, 0o600)


def _same_file(fd: int, path: Path) -> bool:
    try:
        held, named = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


class KeyLock:
    """An exclusive lock on ``path``, usable as a context manager.

    ``timeout`` bounds the wait (0: try once); ``label`` names what is locked in the
    ``CacheError`` raised when the wait runs out. Not re-entrant.
    """

    def __init__(
        self, path: Path, *, timeout: float = DEFAULT_LOCK_TIMEOUT, label: str = ""
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.label = label
        self._fd: int | None = None
        self._fallback: Any = None

    def __repr__(self) -> str:
        return f"KeyLock({str(self.path)!r}, held={self.held})"

    @property
    def held(self) -> bool:
        """True between a successful ``acquire`` and ``release``."""
        return self._fd is not None or self._fallback is not None

    def acquire(self) -> None:
        """Take the lock, waiting at most ``timeout`` seconds; ``CacheError`` otherwise."""
        if not self.try_acquire(self.timeout):
            raise self.timeout_error()

    def timeout_error(self) -> CacheError:
        """The error for a wait that ran out: names what is locked and the knob to turn."""
        what = f" for {self.label}" if self.label else ""
        return CacheError(
            f"timed out after {self.timeout:g}s waiting for the cache lock{what} "
            f"({self.path}); another rolechain process still holds it "
            "(set ROLECHAIN_LOCK_TIMEOUT to wait longer)",
            reason="lock-timeout",
        )

    def try_acquire(self, timeout: float = 0.0) -> bool:
        """Take the lock within ``timeout`` seconds; False if it stayed busy."""
        if fcntl is None:  # pragma: no cover - Windows
            return self._filelock_acquire(timeout)
        deadline = time.monotonic() + timeout
        delay = _FIRST_POLL
        try:
            return self._poll(deadline, delay)
        finally:
            self._not_waiting()

    def _waiting_marker(self) -> Path:
        return self.path.with_name(f"{self.path.name}{_WAITING}{os.getpid()}")

    def _now_waiting(self) -> None:
        """Leave a marker while we wait, so the holder can tell its prompt how many wait."""
        with contextlib.suppress(OSError):
            os.close(os.open(self._waiting_marker(), os.O_WRONLY | os.O_CREAT, 0o600))

    def _not_waiting(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self._waiting_marker())

    def waiters(self) -> int:
        """How many other live processes wait for this lock (their markers; dead ones'
        markers are removed)."""
        prefix = self.path.name + _WAITING
        count = 0
        try:
            names = [n for n in os.listdir(self.path.parent) if n.startswith(prefix)]
        except OSError:
            return 0
        for name in names:
            pid = name[len(prefix) :]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    os.unlink(self.path.parent / name)
                continue
            except OSError:
                pass  # alive, another user's: still waiting
            count += 1
        return count

    def _poll(self, deadline: float, delay: float) -> bool:
        while True:
            try:
                fd = _open_lock_file(self.path)
            except OSError as exc:
                raise CacheError(f"cannot open cache lock {self.path}: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
            except OSError as exc:
                os.close(fd)
                raise CacheError(f"cannot lock {self.path}: {exc.strerror}") from None
            else:
                if _same_file(fd, self.path):
                    self._fd = fd
                    return True
                os.close(fd)  # unlinked or replaced meanwhile: lock the current file
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if delay == _FIRST_POLL:
                self._now_waiting()
            time.sleep(min(delay * (0.5 + random.random()), remaining))
            delay = min(delay * 2, _MAX_POLL)

    def _filelock_acquire(self, timeout: float) -> bool:  # pragma: no cover - Windows
        import filelock

        lock = filelock.FileLock(str(self.path), timeout=timeout, is_singleton=False)
        try:
            lock.acquire()
        except filelock.Timeout:
            return False
        self._fallback = lock
        return True

    def unlink(self) -> None:
        """Remove the lock file while holding it (safe: waiters re-check the path)."""
        if self.held:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    def release(self) -> None:
        """Drop the lock (closing the file releases it); idempotent."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        fallback, self._fallback = self._fallback, None
        if fallback is not None:  # pragma: no cover - Windows
            fallback.release()

    def __enter__(self) -> KeyLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
