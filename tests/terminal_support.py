"""rolechain in a session of its own, as the prompt tests run it: with no controlling
terminal (a GUI's credential_process) or with a pty as its controlling terminal, where
the test answers the prompt it reads."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANG_GUARD = 60.0  # seconds: only a hang gets near it


def spawn(
    args: Sequence[str], env: dict[str, str], stdin: int, *, terminal: bool
) -> subprocess.Popen[str]:
    """``python -m resolver ARGS`` in a new session: no controlling terminal, or
    ``stdin`` (a pty) made its controlling terminal."""
    take = "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    code = (take if terminal else "import os, sys; ") + (
        "os.execv(sys.executable, [sys.executable, '-m', 'resolver', *sys.argv[1:]])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        text=True,
        start_new_session=True,
    )


def read_until(fd: int, text: str) -> str:
    """What ``fd`` shows until ``text`` appears (or ``HANG_GUARD`` passes)."""
    seen, deadline = "", time.monotonic() + HANG_GUARD
    while text not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 1)[0]:
            seen += os.read(fd, 1024).decode(errors="replace")
    return seen


def run_without_terminal(args: Sequence[str], env: dict[str, str]) -> tuple[int, str, str]:
    """``(status, stdout, stderr)`` with no controlling terminal and a stdin pipe that
    stays open (getpass would wait on it for ever)."""
    read_end, write_end = os.pipe()
    try:
        child = spawn(args, env, read_end, terminal=False)
        try:
            out, err = child.communicate(timeout=HANG_GUARD)
        finally:
            child.kill()
            child.wait()
    finally:
        os.close(read_end)
        os.close(write_end)
    return child.returncode, out, err


def run_on_terminal(
    args: Sequence[str], env: dict[str, str], prompt: str, answer: str
) -> tuple[int, str, str, str, str]:
    """On a pty: wait for ``prompt``, type ``answer`` and Enter. ``(status, stdout,
    stderr, what the terminal showed up to the prompt, what it showed after)``."""
    main_fd, terminal_fd = os.openpty()
    try:
        child = spawn(args, env, terminal_fd, terminal=True)
        try:
            asked = read_until(main_fd, prompt)
            os.write(main_fd, f"{answer}\n".encode())
            out, err = child.communicate(timeout=HANG_GUARD)
            shown = read_until(main_fd, "\n")
        finally:
            child.kill()
            child.wait()
    finally:
        os.close(main_fd)
        os.close(terminal_fd)
    return child.returncode, out, err, asked, shown
