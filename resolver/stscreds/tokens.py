"""MFA token code providers: stdin, the terminal, and an ``mfa_process`` command.

A token provider is any zero-argument callable returning the code. Every code is
checked to be exactly six ASCII digits before STS is called (``get_token_code``), and
error messages never echo a code. All prompts (and ``mfa_process`` runs, which may ask
for a touch) hold ``PROMPT_LOCK``, so concurrent refreshes ask one question at a time.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

from resolver.chain.paths import command_argv, command_program
from resolver.errors import ResolverError, TokenError, printable, remember
from resolver.providers.sts_client import one_line

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
DEFAULT_PROCESS_TIMEOUT = 60.0
_STDERR_KEEP_BYTES = 64 * 1024

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
            "run from a terminal, or set mfa_process in the profile"
        )


def terminal_prompt(serial: str | None = None) -> TokenProvider:
    """A ``TerminalTokenPrompt`` for ``serial``."""
    return TerminalTokenPrompt(serial)


class ProcessTokenProvider:
    """Run ``mfa_process`` and use its stdout, stripped, as the token code.

    Like the AWS CLI's ``credential_process``, a string command is split by
    ``resolver.chain.paths.command_argv`` and run without a shell (on Windows the string goes to
    ``CreateProcess`` as is); a sequence is used as argv directly. stdin is inherited;
    stdout and stderr are captured. It runs in a session of its own (so a timeout kills
    its background children too, and one holding stdout does not delay the answer); a
    command that must ask the user something reads stdin. Errors name the program (not
    its arguments, which may hold secrets), include its stderr, never its stdout.
    """

    def __init__(
        self,
        command: str | Sequence[str],
        *,
        timeout: float = DEFAULT_PROCESS_TIMEOUT,
        serial: str | None = None,
    ) -> None:
        if isinstance(command, str):
            args: str | list[str] = command_argv(command)
        else:
            args = list(command)
        if not args:
            raise TokenError("mfa_process is empty")
        if timeout <= 0:
            raise ValueError("mfa_process timeout must be positive")
        self._args = args
        self.timeout = timeout
        self.serial = serial

    @property
    def program(self) -> str:
        """The program that runs (argv[0])."""
        return command_program(self._args) if isinstance(self._args, str) else self._args[0]

    def __repr__(self) -> str:
        return f"ProcessTokenProvider(program={self.program!r}, timeout={self.timeout})"

    def __call__(self) -> str:
        from resolver.providers import children

        what = f"mfa_process {self.program}"
        kept = bytearray()

        def keep(chunk: bytes) -> None:
            kept.extend(chunk)
            del kept[:-_STDERR_KEEP_BYTES]

        with PROMPT_LOCK:
            try:
                status, out = children.run(self._args, self.timeout, keep)
            except subprocess.TimeoutExpired:
                raise TokenError(f"{what} timed out after {self.timeout:g}s (killed)") from None
            except children.TooMuchOutput:
                raise TokenError(f"{what} printed too much on stdout (killed)") from None
            except OSError as exc:
                raise TokenError(f"{what} could not run: {exc.strerror or exc}") from None
        stdout = out.decode("utf-8", errors="replace").strip()
        if status != 0:
            stderr = kept.decode("utf-8", errors="replace")
            if stdout:
                stderr = stderr.replace(stdout, "***")
            detail = one_line(stderr, 300) or "no output on stderr"
            raise TokenError(f"{what} exited with status {status}: {detail}")
        if not stdout:
            raise TokenError(f"{what} printed nothing on stdout")
        try:
            return validate_token_code(stdout, self.serial)
        except TokenError:
            raise TokenError(f"{what} did not print a 6-digit token code") from None
