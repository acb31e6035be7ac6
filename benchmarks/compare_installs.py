"""Two installs of rolechain side by side: is a change no slower than its parent?

    python benchmarks/compare_installs.py BEFORE_VENV AFTER_VENV [--rounds 60]

Each VENV is a virtual environment with a *regular* (non-editable) install of one
revision, e.g. ``python -m venv /tmp/before && /tmp/before/bin/pip install .`` in a
checkout of the parent commit. An editable install is refused: its import hook makes
every start-up slower and the comparison meaningless. In one run, alternating, it
measures each install's warm ``rolechain export`` (credential-process format) against
its own interpreter's ``python -c pass``, and each one's warm in-process
``resolver.resolve()``; it prints the medians and the paired ratios after / before
with their interquartile range. STS is the benchmarks' local one on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from harness import Command, alternate, run_once
from report import fmt_spread, paired_ratios, spread
from workspace import CHAIN_PROFILE, open_workspace

RESOLVE_CHILD = f"""
import json, time, resolver
resolver.resolve({CHAIN_PROFILE!r})
costs = []
for _ in range(15):
    start = time.perf_counter()
    for _ in range(20000):
        resolver.resolve({CHAIN_PROFILE!r})
    costs.append((time.perf_counter() - start) / 20000)
print(json.dumps(costs))
"""


def regular_install(venv: Path) -> Path:
    """``venv``'s interpreter; SystemExit unless it holds a regular install of rolechain."""
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import resolver, sys; print(resolver.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        check=True,
    ).stdout.strip()
    if not site.startswith(str(venv)):
        raise SystemExit(f"{venv}: rolechain is not a regular install there ({site})")
    return python


def compare(before: Path, after: Path, rounds: int) -> list[str]:
    """The report's lines."""
    pythons = {"before": regular_install(before), "after": regular_install(after)}
    lines = []
    with open_workspace() as ws:
        commands, envs = [], {}
        for name, python in pythons.items():
            envs[name] = ws.env(10, name).vars
            export = (str(python.parent / "rolechain"), "export", CHAIN_PROFILE)
            export += ("--format", "credential-process")
            run_once(Command(f"{name} (filling the cache)", export, envs[name]))
            commands += [
                Command(f"{name} floor", (str(python), "-c", "pass"), envs[name]),
                Command(name, export, envs[name]),
            ]
        samples = alternate(commands, rounds, warmup=3, label="compare: ")
        lines.append(f"Warm `export`, {rounds} alternated rounds:")
        for name in pythons:
            over = paired_ratios(samples[name].times, samples[f"{name} floor"].times)
            ms = samples[name].seconds * 1000
            lines.append(f"- {name}: {ms:.2f} ms, {fmt_spread(over)} its floor")
        ratio = paired_ratios(samples["after"].times, samples["before"].times)
        lines.append(f"- after / before: {fmt_spread(ratio)}")
        lines += ["", "Warm in-process `resolver.resolve()`, 15 batches of 20,000 calls:"]
        for name, python in pythons.items():
            done = subprocess.run(
                [str(python), "-c", RESOLVE_CHILD],
                env=envs[name],
                capture_output=True,
                text=True,
                cwd="/",
                check=True,
            )
            costs = json.loads(done.stdout)
            median, q1, q3 = spread([cost * 1e6 for cost in costs])
            lines.append(f"- {name}: {median:.2f} µs per call (IQR {q1:.2f}–{q3:.2f})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="venv with the parent's regular install")
    parser.add_argument("after", type=Path, help="venv with the change's regular install")
    parser.add_argument("--rounds", type=int, default=60)
    options = parser.parse_args()
    print("\n".join(compare(options.before, options.after, options.rounds)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
