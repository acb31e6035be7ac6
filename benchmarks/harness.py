"""Side-by-side timing of whole commands: alternate runs, medians, peak memory.

Every run is one child process, started and reaped (``os.wait4``) by a small launcher
process, which times it and reads its peak resident set size (``ru_maxrss``, KiB on
Linux) from its resource usage. ``alternate`` runs the commands in turn (A, B, C, A, B,
C ...) so that slow drifts of the machine hit every command alike.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

Hook = Callable[[], None]


class CommandFailed(RuntimeError):
    """A measured command exited non-zero or timed out."""


@dataclass(frozen=True)
class Command:
    """A named command line, its environment, and hooks run (untimed) around each run."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    before: Hook | None = None
    after: Hook | None = None


@dataclass(frozen=True)
class Run:
    """One run: wall seconds and peak RSS in KiB."""

    seconds: float
    maxrss_kib: int


@dataclass
class Samples:
    """Every measured run of one command."""

    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Median wall time."""
        return statistics.median(run.seconds for run in self.runs)

    @property
    def maxrss_kib(self) -> float:
        """Median peak RSS."""
        return statistics.median(run.maxrss_kib for run in self.runs)

    @property
    def times(self) -> list[float]:
        """Every run's wall seconds, in round order."""
        return [run.seconds for run in self.runs]

    @property
    def peaks(self) -> list[float]:
        """Every run's peak RSS, in round order."""
        return [float(run.maxrss_kib) for run in self.runs]


# Every measured command starts here, not in the checkout: from the checkout, `python -c`
# would import ./resolver instead of the installed package.
NEUTRAL_DIR = tempfile.mkdtemp(prefix="rolechain-bench-cwd-")


def clean_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the interpreter's own variables (``PYTHONPATH``,
    ``PYTHONDONTWRITEBYTECODE``...), which would change what a child imports, or how."""
    return {k: v for k, v in env.items() if not k.startswith("PYTHON")}


def progress(message: str) -> None:
    """One line of progress on stderr."""
    print(message, file=sys.stderr, flush=True)


# Runs each measured command and reports "seconds maxrss_kib exit_code" on stdout. It is a
# small process of its own because a child's ru_maxrss counts what it inherited at fork:
# forked from this (large) process, every command would report at least our size.
LAUNCHER = """
import os, sys, time
argv = sys.argv[1:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.execvp(argv[0], argv)
    except OSError as error:
        print(error, file=sys.stderr)
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def run_once(command: Command, timeout: float = 600.0) -> Run:
    """Run ``command`` once (hooks untimed); raises ``CommandFailed`` if it fails."""
    if command.before is not None:
        command.before()
    env = clean_env(command.env if command.env is not None else os.environ)
    argv = [sys.executable, "-S", "-I", "-c", LAUNCHER, *command.argv]
    with tempfile.TemporaryFile() as errors:
        launcher = subprocess.Popen(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
            cwd=NEUTRAL_DIR,
            start_new_session=True,  # so that a timeout kills the command with the launcher
        )  # fmt: skip
        timer = threading.Timer(timeout, _kill_group, (launcher.pid,))
        timer.start()
        try:
            out, _ = launcher.communicate()
        finally:
            timer.cancel()
        fields = out.decode().split()
        if launcher.returncode != 0 or len(fields) != 3 or fields[2] != "0":
            errors.seek(0)
            tail = errors.read()[-1500:].decode(errors="replace").strip()
            code = fields[2] if len(fields) == 3 else f"(launcher {launcher.returncode})"
            raise CommandFailed(f"{command.name} exited {code}: {tail}")
    if command.after is not None:
        command.after()
    return Run(float(fields[0]), int(fields[1]))


def alternate(
    commands: Sequence[Command], rounds: int, warmup: int = 1, label: str = ""
) -> dict[str, Samples]:
    """Every command in turn, ``warmup`` unmeasured rounds then ``rounds`` measured ones."""
    samples = {command.name: Samples() for command in commands}
    for index in range(warmup + rounds):
        measured = index >= warmup
        progress(f"  {label}round {index - warmup + 1}/{rounds}" if measured else "  warm-up")
        for command in commands:
            run = run_once(command)
            if measured:
                samples[command.name].runs.append(run)
    return samples


def run_parallel(
    argv: Sequence[str], count: int, env: Mapping[str, str], timeout: float = 300.0
) -> tuple[int, str]:
    """Start ``count`` copies at once and wait for all; (failures, last error output)."""
    started = [
        subprocess.Popen(
            list(argv),
            env=clean_env(env),
            cwd=NEUTRAL_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(count)
    ]
    failures, last_error = 0, ""
    deadline = time.monotonic() + timeout
    for process in started:
        try:
            _, err = process.communicate(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            failures, last_error = failures + 1, "timed out"
            continue
        if process.returncode != 0:
            failures += 1
            last_error = err.decode(errors="replace")[-500:].strip()
    return failures, last_error
