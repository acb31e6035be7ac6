"""MFA token code providers: stdin and the terminal (Go's ``StdinTokenProvider``).

A token provider is any zero-argument callable returning the code. Every code is
checked to be exactly six ASCII digits before STS is called (``get_token_code``), and
error messages never echo a code. Every prompt (and any provider that may ask the user,
such as a helper program waiting for a touch) holds ``PROMPT_LOCK``, so concurrent
refreshes ask one question at a time.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

from resolver.errors import ResolverError, TokenError, printable, remember
from resolver.stscreds.client import one_line

TokenProvider = Callable[[], str]
"""Returns an MFA token code; called once per STS call that needs one."""

_WAITERS = threading.local()


@contextlib.contextmanager
def counting_waiters(count: Callable[[], int]) -> Iterator[None]:
    """While inside, ``waiting_elsewhere`` asks ``count`` (the cache lock's waiters)."""
    previous = getattr(_WAITERS, "count", None)
    _WAITERS.count = count
    try:
        yield
    finally:
        _WAITERS.count = previous


@contextlib.contextmanager
def watching_codes(observer: Callable[[str], None]) -> Iterator[None]:
    """While inside, every checked MFA code goes to ``observer`` before it is sent (the
    disk cache compares it with a shared failure's, ``resolver.cache.failures``); the
    observer may raise to stop the call."""
    previous = getattr(_WAITERS, "observer", None)
    _WAITERS.observer = observer
    try:
        yield
    finally:
        _WAITERS.observer = previous


def waiting_elsewhere() -> int:
    """How many other processes wait on the prompt this thread is about to show."""
    count = getattr(_WAITERS, "count", None)
    try:
        return int(count()) if count is not None else 0
    except Exception:
        return 0


PROMPT_LOCK = threading.Lock()
"""Held around every interactive prompt in this process (not re-entrant)."""

STDIN_PROMPT = "Assume Role MFA token code: "

_CODE = re.compile(r"[0-9]{6}")


def _device(serial: str | None) -> str:
    return f"MFA device {serial}" if serial else "the MFA device"


def validate_token_code(code: object, serial: str | None = None) -> str:
    """``code`` stripped of surrounding whitespace if it is exactly 6 digits.

    Raises ``TokenError`` otherwise; the message never contains the code.
    """
    if not isinstance(code, str):
        raise TokenError(f"the token code for {_device(serial)} is not a string")
    stripped = code.strip()
    remember(stripped)
    if not _CODE.fullmatch(stripped):
        raise TokenError(f"the token code for {_device(serial)} must be exactly 6 digits")
    return stripped


def get_token_code(provider: TokenProvider, serial: str | None, hop: str | None = None) -> str:
    """Call ``provider`` and validate its code; any failure becomes a ``TokenError``."""
    try:
        code = provider()
    except ResolverError as exc:
        if exc.hop is None:
            exc.hop = hop
        raise
    except Exception as exc:
        raise TokenError(
            f"could not get a token code for {_device(serial)}: "
            f"{type(exc).__name__}: {one_line(str(exc), 200)}",
            hop=hop,
        ) from exc
    try:
        checked = validate_token_code(code, serial)
    except TokenError as exc:
        exc.hop = hop
        raise
    observer = getattr(_WAITERS, "observer", None)
    if observer is not None:
        observer(checked)
    return checked


def _read_answer(reader: TextIO, serial: str | None) -> str:
    line = reader.readline()
    if not line:
        raise TokenError(f"no token code entered for {_device(serial)} (end of input)")
    return line.strip()


def stdin_token_provider() -> str:
    """Prompt on stderr and read one line from stdin (the Go SDK's ``StdinTokenProvider``).

    Unlike Go, the prompt goes to stderr (stdout may carry credentials) and is
    serialized with ``PROMPT_LOCK``. End of input raises ``TokenError``.
    """
    with PROMPT_LOCK:
        sys.stderr.write(STDIN_PROMPT)
        sys.stderr.flush()
        return _read_answer(sys.stdin, None)


def _open_tty() -> TextIO | None:
    """The controlling terminal opened for reading and writing, or None without one."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None
    try:
        return io.TextIOWrapper(io.FileIO(fd, "r+"), encoding="utf-8", line_buffering=True)
    except Exception:
        os.close(fd)
        raise


def _stdin_is_tty() -> bool:
    stream = sys.stdin
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def has_terminal() -> bool:
    """True when a prompt on the terminal can be answered (``/dev/tty`` or a TTY stdin)."""
    tty = _open_tty()
    if tty is not None:
        tty.close()
        return True
    return _stdin_is_tty()


class TerminalTokenPrompt:
    """Ask for the code of ``serial`` on the terminal; callable as a ``TokenProvider``.

    Uses ``/dev/tty`` when there is a controlling terminal, else stderr + stdin when
    stdin is a TTY. With no terminal at all it raises ``TokenError`` at once rather than
    waiting on input that can never come.
    """

    no_terminal_hint = "run from a terminal"
    """What the error without a terminal tells the user to do instead."""

    def __init__(self, serial: str | None = None, *, question: str | None = None) -> None:
        self.serial = serial
        self.question = question

    def __repr__(self) -> str:
        return f"TerminalTokenPrompt(serial={self.serial!r})"

    @property
    def prompt(self) -> str:
        """The question shown to the user."""
        if self.question:
            return printable(self.question)
        return printable(f"MFA code for {self.serial}: ") if self.serial else STDIN_PROMPT

    def __call__(self) -> str:
        with PROMPT_LOCK:
            tty = _open_tty()
            if tty is not None:
                with tty:
                    tty.write(self.prompt)
                    tty.flush()
                    return _read_answer(tty, self.serial)
            if _stdin_is_tty():
                sys.stderr.write(self.prompt)
                sys.stderr.flush()
                return _read_answer(sys.stdin, self.serial)
        raise TokenError(
            f"no terminal to prompt for the MFA code of {self.serial or 'the MFA device'}; "
            f"{self.no_terminal_hint}"
        )


def terminal_prompt(serial: str | None = None) -> TokenProvider:
    """A ``TerminalTokenPrompt`` for ``serial``."""
    return TerminalTokenPrompt(serial)
