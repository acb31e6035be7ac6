"""Side-by-side timing: alternate A/B runs of whole commands, report medians and ratios."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A named command line and the environment it runs in."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None


def time_once(command: Command) -> float:
    """Wall time of one run in seconds; fails loudly if the command fails."""
    start = time.perf_counter()
    subprocess.run(
        command.argv,
        env=dict(command.env) if command.env is not None else dict(os.environ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return time.perf_counter() - start


def alternate(commands: Sequence[Command], rounds: int, warmup: int = 1) -> dict[str, float]:
    """Median wall time of each command, run in turn (A, B, A, B ...) ``rounds`` times."""
    for _ in range(warmup):
        for command in commands:
            time_once(command)
    samples: dict[str, list[float]] = {command.name: [] for command in commands}
    for _ in range(rounds):
        for command in commands:
            samples[command.name].append(time_once(command))
    return {name: statistics.median(values) for name, values in samples.items()}


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(seconds: float) -> str:
    """Milliseconds with one decimal."""
    return f"{seconds * 1000:.1f} ms"
