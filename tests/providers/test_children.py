"""Helper processes: bounded output, and the terminal handed to a helper that asks on it."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest

from resolver.providers import children

ROOT = Path(__file__).resolve().parents[2]


def test_output_over_the_bound_kills_the_helper(tmp_path: Path) -> None:
    """A helper that prints without end is stopped at the bound, not at its timeout."""
    script = tmp_path / "flood.py"
    script.write_text("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n")
    started = time.monotonic()
    with pytest.raises(children.TooMuchOutput):
        children.run([sys.executable, str(script)], 60.0, lambda _chunk: None)
    assert time.monotonic() - started < 30  # stopped by the bound, long before the timeout


def test_output_at_the_bound_is_kept(tmp_path: Path) -> None:
    script = tmp_path / "exact.py"
    script.write_text(f"import sys\nsys.stdout.write('y' * {children.MAX_STDOUT_BYTES})\n")
    status, out = children.run([sys.executable, str(script)], 60.0, lambda _chunk: None)
    assert status == 0 and len(out) == children.MAX_STDOUT_BYTES


ASKS_ON_TTY = """
import os
fd = os.open("/dev/tty", os.O_RDWR)
os.write(fd, b"code? ")
line = b""
while not line.endswith(b"\\n"):
    line += os.read(fd, 1)
print(line.decode().strip())
"""

RUNNER = """
import sys
from resolver.providers import children
status, out = children.run([sys.executable, "-c", sys.argv[1]], 20.0, sys.stderr.buffer.write)
print("STATUS", status, "OUT", out.decode().strip(), flush=True)
"""


def test_a_helper_can_ask_on_the_terminal(tmp_path: Path) -> None:
    """A helper in its own process group still gets the terminal while it runs (a new
    session, as before, could not open /dev/tty at all)."""
    pid, master = pty.fork()
    if pid == 0:  # the child: a session leader with the pty as its terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-c", RUNNER, ASKS_ON_TTY])
    seen = b""
    deadline = time.monotonic() + 30
    answered = False
    while time.monotonic() < deadline:  # until the runner exits and the pty reports EOF
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every process holding the terminal has gone
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"code?" in seen:
            os.write(master, b"654321\n")
            answered = True
    else:
        os.kill(pid, 9)
    os.waitpid(pid, 0)
    os.close(master)
    assert b"STATUS 0 OUT 654321" in seen, seen.decode(errors="replace")
