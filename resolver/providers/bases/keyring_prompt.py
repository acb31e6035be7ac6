"""The password an encrypted keyring backend asks for while rolechain uses it.

``keyrings.alt``'s ``EncryptedKeyring`` (and ``keyrings.cryptfile``) call
``getpass.getpass`` on every first use in a process. With no controlling terminal
(``credential_process`` under an IDE, cron, a GUI) getpass falls back to stdin, which
may be a pipe that never ends: a hang. While rolechain holds the backend,
``getpass.getpass`` is replaced by ``ask``: the prompt on ``/dev/tty``, not echoed,
waiting at most ``PASSWORD_TIMEOUT`` seconds; with no terminal, ``NoPasswordPrompt`` at
once. Stdlib only.
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

PASSWORD_TIMEOUT = 120.0
_MAX_ANSWER = 4096
_PATCH_LOCK = threading.RLock()


class NoPasswordPrompt(Exception):
    """The backend asked for a password that cannot be asked for; ``why`` says why."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _open_terminal() -> int:
    try:
        return os.open("/dev/tty", os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        raise NoPasswordPrompt("there is no terminal to ask on") from None


def _read_line(fd: int, timeout: float) -> str:
    """One line from ``fd`` (without its end), waiting at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data and len(data) <= _MAX_ANSWER:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise NoPasswordPrompt(f"no answer within {timeout:.0f} s")
        chunk = os.read(fd, 1024)
        if not chunk:
            raise NoPasswordPrompt("the terminal closed")
        data += chunk
    return data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")


def ask(
    prompt: str = "Password: ", stream: object = None, *, timeout: float = PASSWORD_TIMEOUT
) -> str:
    """``getpass.getpass`` on the controlling terminal, bounded by ``timeout``."""
    import termios

    fd = _open_terminal()
    try:
        old = termios.tcgetattr(fd)
        quiet = list(old)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)  # before the prompt: no answer lost
        try:
            os.write(fd, prompt.encode("utf-8", "replace"))
            return _read_line(fd, timeout)
        finally:
            termios.tcsetattr(fd, termios.TCSAFLUSH, old)
            os.write(fd, b"\n")
    finally:
        os.close(fd)


@contextmanager
def bounded_password_prompts() -> Iterator[None]:
    """``getpass.getpass`` is ``ask`` inside (POSIX; elsewhere getpass stays)."""
    if sys.platform == "win32":
        yield
        return
    import getpass

    with _PATCH_LOCK:
        original = getpass.getpass
        getpass.getpass = ask
        try:
            yield
        finally:
            getpass.getpass = original
