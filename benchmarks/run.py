"""Run every benchmark scenario side by side and write benchmarks/RESULTS.md.

Uses the installed package and console scripts (``rolechain`` and ``aws`` next to this
interpreter), one local moto_server on 127.0.0.1 for STS, and private temporary HOME,
config and cache directories. Progress goes to stderr.

    python3 -m venv .venv-bench && .venv-bench/bin/pip install -q '.[test,bench]'
    python3 -m venv .venv-bench-aec    # aws-export-credentials 0.18.0 needs botocore < 1.37
    .venv-bench-aec/bin/pip install -q aws-export-credentials 'boto3<1.37'
    .venv-bench/bin/python benchmarks/run.py [--rounds N] [--quick] [--only SCENARIO ...]

Exits 1 if a measured command failed; missed targets are reported, not failures.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from harness import NEUTRAL_DIR, clean_env, progress
from report import Header, Section, render
from scenario_chains import chain_lengths, https_chain
from scenario_inprocess import in_process
from scenario_parallel import parallel_processes
from scenario_peers import peer_tools
from scenario_server import credential_server, imds_server
from scenario_size import config_size
from scenarios_cli import cold_chain, peak_memory, warm_credential_process
from workspace import Options, Workspace, open_workspace

import resolver

HERE = Path(__file__).resolve().parent
Scenario = Callable[[Workspace, Options], Section]
SCENARIOS: dict[str, tuple[str, Scenario]] = {
    "warm": ("Warm credential_process", warm_credential_process),
    "cold": ("Cold 3-hop chain", cold_chain),
    "chains": ("Cold chains of 1 to 10 hops", chain_lengths),
    "https": ("Cold 3-hop chain over https", https_chain),
    "size": ("Config size", config_size),
    "inprocess": ("Warm in-process resolve()", in_process),
    "parallel": ("N parallel cold processes", parallel_processes),
    "peers": ("Peers: awsume and aws-export-credentials", peer_tools),
    "memory": ("Peak memory", peak_memory),
    "server": ("Container credential server", credential_server),
    "imds": ("IMDS server", imds_server),
}
DEFAULT_ROUNDS, QUICK_ROUNDS = 9, 2


def parse_options(argv: Sequence[str] | None) -> tuple[Options, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, help=f"measured rounds (default {DEFAULT_ROUNDS})")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_ROUNDS} rounds, sizes 10 and 1,000, N = 1 and 8",
    )
    parser.add_argument(
        "--output", type=Path, default=HERE / "RESULTS.md", help="default: %(default)s"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(SCENARIOS),
        metavar="SCENARIO",
        help=f"run only these, of: {', '.join(SCENARIOS)}",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.quick:
        options = Options(
            rounds=rounds,
            large_rounds=min(rounds, 3),
            sizes=(10, 1_000),
            processes=(1, 8),
            calls=20_000,
            batches=3,
        )
    else:
        options = Options(rounds=rounds, large_rounds=min(rounds, 3))
    return options, args


def git_commit() -> str:
    """HEAD of the checkout this script lives in, marked when the tree has changes."""
    git = ["git", "--no-optional-locks", "-C", str(HERE)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--"], capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty.returncode == 1 else "")


def header(options: Options) -> Header:
    rounds = f"{options.rounds} measured rounds after 1 warm-up round"
    rounds += f" ({options.warm_rounds} for the warm answer and warm memory)"
    if any(size >= 50_000 for size in options.sizes):
        rounds += f" ({options.large_rounds} for the 50,000-profile config)"
    rounds += f"; in-process: {options.batches} batches of {options.calls:,} calls"
    return Header(
        when=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        platform=platform.platform(),
        cpus=os.cpu_count() or 0,
        version=resolver.__version__,
        commit=git_commit(),
        command=shlex.join(sys.orig_argv),
        rounds=rounds,
        package=measured_package(),
    )


def measured_package() -> str:
    """Where a child started as the measured commands are imports ``resolver`` from."""
    code = "import resolver; print(resolver.__file__)"
    found = subprocess.run(
        [sys.executable, "-c", code],
        cwd=NEUTRAL_DIR,
        env=clean_env(os.environ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    package = Path(found).parent
    if HERE.parent in package.parents or package.parent == HERE.parent:
        progress(f"warning: the children import the checkout ({package}), not an install")
    return str(package)


def main(argv: Sequence[str] | None = None) -> int:
    options, args = parse_options(argv)
    chosen = [key for key in SCENARIOS if not args.only or key in args.only]
    head = header(options)
    progress(f"rolechain {head.version} from {Path(resolver.__file__).parent}")
    sections: list[Section] = []
    with open_workspace() as ws:
        progress(f"local STS at {ws.sts.url}; {head.cpus} CPUs")
        for key in chosen:
            title, scenario = SCENARIOS[key]
            try:
                section = scenario(ws, options)
            except Exception as exc:  # report it, go on with the other scenarios
                traceback.print_exc()
                section = Section(title, error=f"{type(exc).__name__}: {exc}")
            section.number = list(SCENARIOS).index(key) + 1
            sections.append(section)
    args.output.write_text(render(head, sections))
    progress(f"wrote {args.output}")
    return 1 if any(section.error is not None for section in sections) else 0


if __name__ == "__main__":
    raise SystemExit(main())
