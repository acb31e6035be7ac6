"""Helper processes (``credential_process``, ``mfa_process``): start, read, stop.

Each helper runs in a process group of its own, so that on a timeout the whole group
goes, background children included. It stays in our session, and while it runs it is
given the terminal's foreground (when we hold it), so a helper that asks the user on
``/dev/tty`` (a password manager's unlock prompt) still can. Reading stops shortly after
the direct child exits, so a background child that keeps the pipes open costs nothing,
and stdout is bounded (``MAX_STDOUT_BYTES``).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, Any

MAX_STDOUT_BYTES = 1024 * 1024
KILL_GRACE_SECONDS = 2.0
AFTER_EXIT_GRACE_SECONDS = 0.5
_POLL_SECONDS = 0.1

Sink = Callable[[bytes], None]


class TooMuchOutput(subprocess.SubprocessError):
    """The helper printed more than ``MAX_STDOUT_BYTES`` on stdout (it was killed)."""


def start(
    argv: Sequence[str] | str, environ: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with stdin inherited, stdout and stderr piped, in a process group of
    its own (POSIX). OSError as ``subprocess.Popen`` raises it.
    """
    group: dict[str, Any] = {}
    if os.name != "nt":
        group = {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp}
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if environ is None else dict(environ),
        **group,
    )


@contextmanager
def terminal_foreground(pid: int) -> Iterator[None]:
    """Give the controlling terminal's foreground to process group ``pid`` for the block,
    when this process holds it; a no-op without a terminal or in the background."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        yield
        return
    try:
        ours = os.getpgrp()
        if os.tcgetpgrp(tty) != ours:
            yield
            return
        try:
            os.tcsetpgrp(tty, pid)
            os.killpg(pid, signal.SIGCONT)  # in case it read the terminal before the handover
        except OSError:
            yield
            return
        try:
            yield
        finally:
            # Taking the terminal back from the background sends SIGTTOU unless blocked.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
            try:
                os.tcsetpgrp(tty, ours)
            except OSError:
                pass
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    finally:
        os.close(tty)


def collect(proc: subprocess.Popen[bytes], timeout: float, on_stderr: Sink) -> bytes:
    """Stdout, with stderr chunks passed to ``on_stderr`` as they arrive, until both pipes
    close or the child exits (plus a short grace to drain what it wrote).

    Raises ``subprocess.TimeoutExpired`` when ``timeout`` passes first.
    """
    assert proc.stdout is not None and proc.stderr is not None
    if os.name == "nt":  # selectors cannot wait on pipes there
        stdout, stderr = proc.communicate(timeout=timeout)
        on_stderr(stderr)
        return stdout
    deadline = time.monotonic() + timeout
    exited_at: float | None = None
    out = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
        selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > AFTER_EXIT_GRACE_SECONDS:
                break
            for key, _ in selector.select(min(deadline - now, _POLL_SECONDS)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data == "stderr":
                    on_stderr(chunk)
                else:
                    out += chunk
                    if len(out) > MAX_STDOUT_BYTES:
                        raise TooMuchOutput(proc.args, timeout)
    proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
    close(proc.stdout, proc.stderr)
    return bytes(out)


def kill(proc: subprocess.Popen[bytes], on_stderr: Sink) -> None:
    """Kill the child's whole process group and collect what else it wrote to stderr."""
    if os.name != "nt":
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its own group (see ``start``)
        except OSError:
            proc.kill()
    else:
        proc.kill()
    if proc.stderr is not None and not proc.stderr.closed and os.name != "nt":
        deadline = time.monotonic() + KILL_GRACE_SECONDS
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stderr, selectors.EVENT_READ)
            while (remaining := deadline - time.monotonic()) > 0 and selector.select(remaining):
                chunk = os.read(proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                on_stderr(chunk)
    close(proc.stdout, proc.stderr)
    proc.wait()


def run(
    argv: Sequence[str] | str,
    timeout: float,
    on_stderr: Sink,
    environ: Mapping[str, str] | None = None,
) -> tuple[int, bytes]:
    """Run ``argv`` to its end: (exit status, stdout). TimeoutExpired or TooMuchOutput after
    killing its group; OSError if it cannot start."""
    proc = start(argv, environ)
    try:
        if os.name == "nt":
            stdout = collect(proc, timeout, on_stderr)
        else:
            with terminal_foreground(proc.pid):
                stdout = collect(proc, timeout, on_stderr)
    except BaseException:
        kill(proc, on_stderr)
        raise
    return proc.returncode, stdout


def close(*pipes: IO[bytes] | None) -> None:
    """Close the pipes that are still open."""
    for pipe in pipes:
        if pipe is not None and not pipe.closed:
            pipe.close()
