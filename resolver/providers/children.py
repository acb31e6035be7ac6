"""Helper processes (``credential_process``, ``mfa_process``): start, read, stop.

Each helper runs in a process group of its own (``start_new_session``), so that on a
timeout the whole group goes, background children included. Reading stops shortly after
the direct child exits, so a background child that keeps the pipes open costs nothing.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO

KILL_GRACE_SECONDS = 2.0
AFTER_EXIT_GRACE_SECONDS = 0.5
_POLL_SECONDS = 0.1

Sink = Callable[[bytes], None]


def start(
    argv: Sequence[str] | str, environ: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with stdin inherited, stdout and stderr piped, in a new session (POSIX).

    OSError as ``subprocess.Popen`` raises it.
    """
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if environ is None else dict(environ),
        start_new_session=os.name != "nt",
    )


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
    proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
    close(proc.stdout, proc.stderr)
    return bytes(out)


def kill(proc: subprocess.Popen[bytes], on_stderr: Sink) -> None:
    """Kill the child's whole process group and collect what else it wrote to stderr."""
    if os.name != "nt":
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its own group: start_new_session
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
    """Run ``argv`` to its end: (exit status, stdout). TimeoutExpired after killing its group;
    OSError if it cannot start."""
    proc = start(argv, environ)
    try:
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
